/**
 * Install against `pacman -U --root` at the two extremes of package shape, measured like the
 * 12-archive row of install.ts (a fresh root each round, nothing deleted until the bench ends, the
 * same staged payload packed for both):
 * one package holding one big file (BENCH_BIG_MB, 500 MB by default: shared libraries of this
 * machine one after another, so it compresses like binaries), and one package of many tiny
 * files (BENCH_MANY, 50,000 by default, under 4 KiB each, 200 folders; 3 rounds). Which of zoi and
 * pacman goes first alternates, so that neither always runs while the disk may still be writing back
 * the other's files.
 */
import { join } from 'node:path'
import { ZOI, compare, runOnce, step, type Row } from './lib.ts'
import { zoiInstallRun } from './install.ts'
import { FreshRoot, hasPacman, packForPacman, pacmanInstall } from './pacman.ts'
import { packStage, tinyFiles, writeBigFile, writePackage, writeRegistry } from './payload.ts'

const MB = 1 << 20

export async function benchInstallShapes(work: string): Promise<Row[]> {
  if (!hasPacman()) {
    step('install shapes vs pacman: SKIPPED (apt-get install pacman-package-manager)')
    return []
  }
  const size = Number(process.env.BENCH_BIG_MB ?? 500) * MB
  const many = Number(process.env.BENCH_MANY ?? 50_000)
  const pkgDir = join(work, 'shape-pkgs')
  const pacDir = join(work, 'shape-pacman-pkgs')
  const registry = join(work, 'shape-registry')
  writeRegistry(registry, ['big', 'many'])
  const env = { HOME: join(work, 'shape-home') }
  await runOnce({ cmd: [ZOI, 'sync', 'set', registry], env })
  await runOnce({ cmd: [ZOI, 'sync', '-q'], env })
  const root = new FreshRoot(work, 'shape-root')
  const rows: Row[] = []

  step(`install vs pacman -U: one ${size / MB} MB file`)
  const bigStage = join(work, 'stage', 'big')
  writeBigFile(join(bigStage, 'data/pkgstore/big.bin'), size)
  await packStage(bigStage, pkgDir, 'big')
  const bigPac = await packForPacman(bigStage, 'big', pacDir)
  rows.push(await compare(`install of one package holding one ${size / MB} MB file vs \`pacman -U --root\``, '≤ 1.0×', 1.0, zoiInstallRun(['big'], root, pkgDir, env), pacmanInstall(work, root, [bigPac]), 3, 0, false, { alternate: true }))

  step(`install vs pacman -U: ${many} tiny files`)
  await writePackage(work, pkgDir, 'many', tinyFiles(many), (_, i) => `d${i % 200}/f${i}`)
  const manyStage = join(work, 'stage', 'many')
  const manyPac = await packForPacman(manyStage, 'many', pacDir)
  rows.push(await compare(`install of one package of ${many.toLocaleString('en')} tiny files vs \`pacman -U --root\``, '≤ 1.0×', 1.0, zoiInstallRun(['many'], root, pkgDir, env), pacmanInstall(work, root, [manyPac]), 3, 0, false, { alternate: true }))
  return rows
}
