/**
 * Peak memory of archive work, each operation in a fresh process (rss-probe.ts), so no other
 * code pollutes the figure: a tar bomb of 100,000 empty files, extracting and writing a single
 * 256 MB file, and how much faster one early member is read than the whole archive is listed.
 * Claims are bounds relative to the payload (streaming means far below it), printed, not tested.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listArchive, readArchiveMember } from '../src/archive/index.ts'
import { writeTarZst, type TarSpec } from '../test/support/make-archive.ts'

/** One informative line of this section (bounds, not ratios: they print, they do not gate). */
interface Row {
  name: string
  value: string
  note: string
}

function printTable(title: string, rows: Row[]): void {
  const width = Math.max(...rows.map((r) => r.name.length))
  console.log(`\n${title}\n${rows.map((r) => `  ${r.name.padEnd(width)}  ${r.value.padStart(6)}  ${r.note}`).join('\n')}`)
}

const MB = 1 << 20

function probe(op: 'extract' | 'write', a: string, b: string): { growthMb: number } {
  const r = Bun.spawnSync([process.execPath, join(import.meta.dir, 'rss-probe.ts'), op, a, b])
  if (r.exitCode !== 0) throw new Error(`rss probe failed: ${r.stderr.toString()}`)
  return JSON.parse(r.stdout.toString()) as { growthMb: number }
}

export async function benchMemory(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'zoi-bench-memory-'))
  const rows: Row[] = []
  try {
    const bomb = join(work, 'bomb.pkg.tar.zst')
    await writeTarZst(bomb, (function* (): Iterable<TarSpec> {
      for (let i = 0; i < 100_000; i++) yield { name: `data/d${i % 100}/f${i}`, content: '' }
    })())
    rows.push({ name: 'extract 100,000 empty files', value: `${probe('extract', bomb, join(work, 'bomb')).growthMb.toFixed(0)} MB`, note: 'target < 150 MB (tar is 51 MB)' })

    const big = join(work, 'big.pkg.tar.zst')
    const block = randomBytes(MB)
    await writeTarZst(big, [
      { name: 'manifest.yaml', content: 'data/pkgstore/big.bin' },
      { name: 'data/pkgstore/big.bin', stream: { size: 256 * MB, chunks: function* () { for (let i = 0; i < 256; i++) yield block } } },
    ])
    rows.push({ name: 'extract one 256 MB file', value: `${probe('extract', big, join(work, 'big')).growthMb.toFixed(0)} MB`, note: 'target < 64 MB' })

    const t0 = performance.now()
    await readArchiveMember(big, 'manifest.yaml')
    const member = performance.now() - t0
    const t1 = performance.now()
    await listArchive(big)
    const list = performance.now() - t1
    rows.push({ name: 'first member vs full list', value: `${(list / member).toFixed(0)}x`, note: 'target >= 5x faster (no decoding past the member)' })

    const tree = join(work, 'tree')
    mkdirSync(join(tree, 'data/pkgstore'), { recursive: true })
    writeFileSync(join(tree, 'manifest.yaml'), 'x')
    const fd = openSync(join(tree, 'data/pkgstore/big.bin'), 'w')
    for (let i = 0; i < 256; i++) writeSync(fd, block)
    closeSync(fd)
    rows.push({ name: 'write one 256 MB file', value: `${probe('write', join(work, 'w.pkg.tar.zst'), tree).growthMb.toFixed(0)} MB`, note: 'target < 96 MB' })
    printTable('archive memory (peak RSS growth, fresh process each)', rows)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
