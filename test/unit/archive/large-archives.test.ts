/**
 * Size attacks and big payloads: a tar bomb of 100,000 empty files and a single 256 MB file must
 * extract with bounded memory. Fixtures are streamed to disk; a tmpfs (/dev/shm) is used when
 * present so the tests measure zoi, not the disk.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { extractArchive, hashFile, listArchive, readArchiveMember, writeArchive } from '../../../src/archive/index.ts'
import { makeSandbox, writeTarZst, type TarSpec } from '../../support/make-archive.ts'

function fastTmp(): string | undefined {
  try {
    accessSync('/dev/shm', constants.W_OK)
    return '/dev/shm'
  } catch {
    return undefined
  }
}

const sandbox = makeSandbox('zoi-archive-large-', fastTmp())
afterAll(sandbox.cleanup)

interface ProbeResult {
  growthMb: number
  bytes: number
  entries: number
  progressCalls: number
}

/** Runs extract/write in a fresh process (see rss-probe.ts) and returns its peak RSS growth. */
function probe(op: 'extract' | 'write', a: string, b: string): ProbeResult {
  const r = Bun.spawnSync([process.execPath, join(import.meta.dir, '../../support/rss-probe.ts'), op, a, b])
  if (r.exitCode !== 0) throw new Error(`rss probe failed: ${r.stderr.toString()}`)
  return JSON.parse(r.stdout.toString()) as ProbeResult
}

const MB = 1 << 20

describe('large archives', () => {
  test('a tar bomb of 100,000 empty files extracts in bounded memory', async () => {
    const archive = join(sandbox.dir, 'bomb.pkg.tar.zst')
    function* bomb(): Iterable<TarSpec> {
      for (let i = 0; i < 100_000; i++) yield { name: `data/d${i % 100}/f${i}`, content: '' }
    }
    await writeTarZst(archive, bomb())
    const dest = join(sandbox.dir, 'bomb')
    const { entries: count, growthMb: growth } = probe('extract', archive, dest)
    expect(count).toBe(100_000)
    expect(readdirSync(join(dest, 'data')).length).toBe(100)
    expect(readdirSync(join(dest, 'data/d7')).length).toBe(1000)
    // The returned entry list itself is ~100k small objects; anything near the tar size (51 MB
    // uncompressed) plus that would mean the archive was buffered.
    expect(growth).toBeLessThan(150)
  }, 60_000)

  test('a 256 MB file is streamed: memory grows far less than the file', async () => {
    const archive = join(sandbox.dir, 'big.pkg.tar.zst')
    const block = randomBytes(MB)
    const size = 256 * MB
    await writeTarZst(archive, [
      { name: 'manifest.yaml', content: 'data/pkgstore/big.bin' },
      { name: 'data/pkgstore/big.bin', stream: { size, chunks: function* () { for (let i = 0; i < 256; i++) yield block } } },
    ])
    const dest = join(sandbox.dir, 'big')
    const { bytes, progressCalls, growthMb: growth } = probe('extract', archive, dest)
    expect(bytes).toBe(size + 21)
    expect(progressCalls).toBeGreaterThan(10)
    expect(statSync(join(dest, 'data/pkgstore/big.bin')).size).toBe(size)
    expect(growth).toBeLessThan(64)

    // The member before the big file is found without decoding the rest.
    const started = performance.now()
    expect(new TextDecoder().decode(await readArchiveMember(archive, 'manifest.yaml'))).toBe('data/pkgstore/big.bin')
    const memberMs = performance.now() - started
    const listStarted = performance.now()
    expect((await listArchive(archive)).length).toBe(2)
    expect(memberMs).toBeLessThan((performance.now() - listStarted) / 5)
  }, 60_000)

  test('writing an archive of a 256 MB file streams it', async () => {
    const source = join(sandbox.dir, 'tree')
    mkdirSync(join(source, 'data/pkgstore'), { recursive: true })
    writeFileSync(join(source, 'manifest.yaml'), 'x')
    const fd = openSync(join(source, 'data/pkgstore/big.bin'), 'w')
    const block = randomBytes(MB)
    for (let i = 0; i < 256; i++) writeSync(fd, block)
    closeSync(fd)
    const out = join(sandbox.dir, 'written.pkg.tar.zst')
    const { bytes, growthMb: growth } = probe('write', out, source)
    expect(bytes).toBe(256 * MB + 1)
    // Garbage from 256 read chunks may wait for the collector; buffering the file would be > 256.
    expect(growth).toBeLessThan(96)
    expect(existsSync(`${out}.tmp`)).toBe(false)
    const dest = join(sandbox.dir, 'written')
    await extractArchive(out, dest)
    expect(await hashFile(join(dest, 'data/pkgstore/big.bin'), 'sha256')).toBe(await hashFile(join(source, 'data/pkgstore/big.bin'), 'sha256'))
  }, 60_000)
})
