/**
 * `zoi package extract` of an archive holding one big file (500 MB by default, BENCH_BIG_MB to
 * change) made of shared libraries from this machine, against `zstd -dc | tar -x` of the same
 * archive into a new, empty folder each round (see `FreshDirs`).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeArchive } from '../src/archive/index.ts'
import { FreshDirs, ZOI, compare, step, type Row } from './lib.ts'
import { writeBigFile } from './payload.ts'

const MB = 1 << 20

export async function benchArchive(work: string): Promise<Row[]> {
  const size = Number(process.env.BENCH_BIG_MB ?? 500) * MB
  step(`archive: one ${size / MB} MB file`)
  const stage = join(work, 'big-stage')
  mkdirSync(join(stage, 'data/pkgstore'), { recursive: true })
  writeBigFile(join(stage, 'data/pkgstore/big.bin'), size)
  writeFileSync(join(stage, 'big.pkg.lua'), 'metadata({ name = "big", version = "1.0.0" })\n')
  const archive = join(work, 'big-1.0.0-linux-amd64.pkg.tar.zst')
  await writeArchive(archive, stage)
  const outs = new FreshDirs(work, 'big-out')
  let out = ''
  const clean = () => {
    out = outs.next()
    mkdirSync(out)
  }
  const row = await compare(
    `\`zoi package extract\` of one ${size / MB} MB file vs \`zstd -dc | tar -x\``,
    '≤ 1.3×',
    1.3,
    {
      get cmd() {
        return [ZOI, 'package', 'extract', archive, out, '-q']
      },
      before: clean,
    },
    {
      get cmd() {
        return `zstd -dc '${archive}' | tar -xf - -C '${out}'`
      },
      before: clean,
    },
    // Five rounds, who goes first alternating: one 500 MB write is at the mercy of the disk's
    // writeback, and three rounds with zoi always first gave medians from 0.94x to 1.39x.
    5,
    0,
    false,
    { alternate: true },
  )
  return [row]
}
