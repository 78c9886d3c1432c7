/**
 * Install throughput on files from this machine: 12 archives (~390 MB, docs, locales, Python,
 * shared libraries) into a fresh `--root`, against `zstd -dc | tar -x` of the same archives one
 * after another and against `pacman -U --root` of the same payload packaged for pacman (when
 * pacman is installed). Each run gets a new root; nothing is deleted until the bench ends (see
 * `FreshDirs`).
 */
import { join } from 'node:path'
import { ZOI, compare, runOnce, step, type Row, type Run } from './lib.ts'
import { FreshRoot, hasPacman, packForPacman, pacmanInstall } from './pacman.ts'
import { SOURCES, machineFiles, splitBySize, writePackage, writeRegistry } from './payload.ts'

const MB = 1 << 20

export async function benchInstall(work: string): Promise<Row[]> {
  const budget = Number(process.env.BENCH_INSTALL_MB ?? 390) * MB
  step(`install: staging ${budget / MB} MB of machine files into 12 archives`)
  const groups = splitBySize(machineFiles(SOURCES, budget), 12)
  const names = groups.map((_, i) => `pay${i}`)
  const pkgDir = join(work, 'pkgs')
  const archives: string[] = []
  for (const [i, files] of groups.entries()) archives.push(await writePackage(work, pkgDir, names[i]!, files))
  const fileCount = groups.reduce((a, g) => a + g.length, 0)
  const registry = join(work, 'registry')
  writeRegistry(registry, names)
  const home = join(work, 'home')
  const env = { HOME: home }
  await runOnce({ cmd: [ZOI, 'sync', 'set', registry], env })
  await runOnce({ cmd: [ZOI, 'sync', '-q'], env })

  const root = new FreshRoot(work)
  const zoiInstall = zoiInstallRun(names, root, pkgDir, env)
  const raw = { get cmd() { return archives.map((a) => `zstd -dc '${a}' | tar -xf - -C '${root.path}'`).join(' && ') }, before: root.fresh }
  const rows: Row[] = []
  const what = `${archives.length} archives, ${(groups.flat().reduce((a, f) => a + f.size, 0) / MB).toFixed(0)} MB / ${fileCount.toLocaleString('en')} files`
  step('install vs zstd | tar')
  rows.push(await compare(`install ${what} into a fresh \`--root\` vs \`zstd -dc | tar -x\``, '≤ 1.3×', 1.3, zoiInstall, raw, 3, 0, false, { alternate: true }))

  if (hasPacman()) {
    step('install vs pacman -U')
    const pacPkgs: string[] = []
    for (const name of names) pacPkgs.push(await packForPacman(join(work, 'stage', name), name, join(work, 'pacman-pkgs')))
    rows.push(await compare(`install ${what} vs \`pacman -U --root\` of the same payload`, '≤ 1.0×', 1.0, zoiInstall, pacmanInstall(work, root, pacPkgs), 3, 0, false, { alternate: true }))
  } else {
    step('install vs pacman: SKIPPED (apt-get install pacman-package-manager)')
  }
  return rows
}

/** `zoi install <names>` from `pkgDir` into the root's current (fresh) path. */
export function zoiInstallRun(names: string[], root: FreshRoot, pkgDir: string, env: Record<string, string>): Run {
  return {
    get cmd() {
      return [ZOI, 'install', ...names, '--root', root.path, '--pkg-dir', pkgDir, '--offline', '-q', '-y']
    },
    env,
    before: root.fresh,
  }
}
