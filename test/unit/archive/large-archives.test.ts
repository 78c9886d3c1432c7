/**
 * Size attacks and big payloads: a tar bomb of 100,000 empty files and a single 256 MB file
 * extract and write correctly, streamed (progress arrives in many steps). Fixtures are streamed
 * to disk; a tmpfs (/dev/shm) is used when present. Peak memory and speed are measured in
 * `bench/memory.ts`, never asserted here.
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

const MB = 1 << 20

describe('large archives', () => {
  test('a tar bomb of 100,000 empty files extracts in bounded memory', async () => {
    const archive = join(sandbox.dir, 'bomb.pkg.tar.zst')
    function* bomb(): Iterable<TarSpec> {
      for (let i = 0; i < 100_000; i++) yield { name: `data/d${i % 100}/f${i}`, content: '' }
    }
    await writeTarZst(archive, bomb())
    const dest = join(sandbox.dir, 'bomb')
    const { entries } = await extractArchive(archive, dest)
    expect(entries.length).toBe(100_000)
    expect(readdirSync(join(dest, 'data')).length).toBe(100)
    expect(readdirSync(join(dest, 'data/d7')).length).toBe(1000)
  }, 60_000)

  test('a 256 MB file is extracted whole, with progress along the way', async () => {
    const archive = join(sandbox.dir, 'big.pkg.tar.zst')
    const block = randomBytes(MB)
    const size = 256 * MB
    await writeTarZst(archive, [
      { name: 'manifest.yaml', content: 'data/pkgstore/big.bin' },
      { name: 'data/pkgstore/big.bin', stream: { size, chunks: function* () { for (let i = 0; i < 256; i++) yield block } } },
    ])
    const dest = join(sandbox.dir, 'big')
    let progressCalls = 0
    const { bytes } = await extractArchive(archive, dest, { onProgress: () => progressCalls++ })
    expect(bytes).toBe(size + 21)
    expect(progressCalls).toBeGreaterThan(10)
    expect(statSync(join(dest, 'data/pkgstore/big.bin')).size).toBe(size)

    // The member before the big file is read on its own; listing sees both.
    expect(new TextDecoder().decode(await readArchiveMember(archive, 'manifest.yaml'))).toBe('data/pkgstore/big.bin')
    expect((await listArchive(archive)).length).toBe(2)
  }, 60_000)

  test('writing an archive of a 256 MB file round-trips it', async () => {
    const source = join(sandbox.dir, 'tree')
    mkdirSync(join(source, 'data/pkgstore'), { recursive: true })
    writeFileSync(join(source, 'manifest.yaml'), 'x')
    const fd = openSync(join(source, 'data/pkgstore/big.bin'), 'w')
    const block = randomBytes(MB)
    for (let i = 0; i < 256; i++) writeSync(fd, block)
    closeSync(fd)
    const out = join(sandbox.dir, 'written.pkg.tar.zst')
    const { bytes } = await writeArchive(out, source)
    expect(bytes).toBe(256 * MB + 1)
    expect(existsSync(`${out}.tmp`)).toBe(false)
    const dest = join(sandbox.dir, 'written')
    await extractArchive(out, dest)
    expect(await hashFile(join(dest, 'data/pkgstore/big.bin'), 'sha256')).toBe(await hashFile(join(source, 'data/pkgstore/big.bin'), 'sha256'))
  }, 60_000)
})
