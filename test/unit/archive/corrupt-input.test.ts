/**
 * Damaged or foreign input must fail with INTEGRITY (exit 6), name the file, and leave no
 * half-extracted destination; valid edge cases (empty entries, `./` prefixes) must work.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { extractArchive, listArchive, readArchiveMember } from '../../../src/archive/index.ts'
import { isZoiError, type ErrorCode } from '../../../src/errors.ts'
import { listTree, makeSandbox, makeTar, zstd, type TarSpec } from '../../support/make-archive.ts'

const sandbox = makeSandbox()
afterAll(sandbox.cleanup)
let counter = 0

function place(bytes: Uint8Array): string {
  const path = join(sandbox.dir, `case-${++counter}.pkg.tar.zst`)
  writeFileSync(path, bytes)
  return path
}

const tree: TarSpec[] = [
  { name: 'manifest.yaml', content: 'data/pkgstore/bin/hello' },
  { name: 'hello.pkg.lua', content: 'metadata({ name = "hello" })\n' },
  { name: 'data/pkgstore/bin/hello', content: randomBytes(300_000), mode: 0o755 },
  { name: 'data/pkgstore/share/doc', content: 'x'.repeat(100_000) },
]

async function expectExtractFails(archive: string, reason: string, code: ErrorCode = 'INTEGRITY'): Promise<void> {
  const dest = join(sandbox.dir, `dest-${++counter}`)
  const error = await extractArchive(archive, dest).then(() => undefined, (e: unknown) => e)
  expect(isZoiError(error, code)).toBe(true)
  expect((error as Error).message).toContain(archive)
  expect((error as Error).message).toContain(reason)
  expect(existsSync(dest)).toBe(false)
}

describe('corrupt input', () => {
  test('truncated zstd stream', async () => {
    const whole = zstd(await makeTar(tree))
    await expectExtractFails(place(whole.subarray(0, Math.floor(whole.length / 2))), 'truncated zstd stream')
  })

  test('zstd stream cut just before its checksum', async () => {
    const whole = zstd(await makeTar(tree))
    await expectExtractFails(place(whole.subarray(0, whole.length - 2)), 'truncated')
  })

  test('one flipped byte in the middle', async () => {
    const bytes = zstd(await makeTar(tree))
    const middle = Math.floor(bytes.length / 2)
    bytes[middle] = (bytes[middle] as number) ^ 0xff
    await expectExtractFails(place(bytes), 'corrupt')
  })

  test('every single flipped byte, wherever it is, fails with INTEGRITY', async () => {
    const whole = zstd(await makeTar(tree.slice(0, 2)))
    for (let position = 0; position < whole.length; position++) {
      for (const mask of [0xff, 1 << (position % 8)]) {
        // Bit 4 of the frame header descriptor is unused by the format: flipping it changes nothing.
        if (position === 4 && mask === 0x10) continue
        const bytes = Uint8Array.from(whole)
        bytes[position] = (bytes[position] as number) ^ mask
        const error = await listArchive(place(bytes)).then(() => undefined, (e: unknown) => e)
        if (!isZoiError(error, 'INTEGRITY')) throw new Error(`flip ${mask} at ${position} of ${whole.length}: ${String(error)}`)
      }
    }
  })

  test('a directory given as the archive', async () => {
    await expectExtractFails(sandbox.dir, 'is a directory')
  })

  test('a gzip file is not a zstd archive', async () => {
    await expectExtractFails(place(gzipSync(await makeTar(tree))), 'not a zstd archive')
  })

  test('zero-length file', async () => {
    await expectExtractFails(place(new Uint8Array(0)), 'empty file')
  })

  test('data after the end of the zstd stream', async () => {
    const whole = zstd(await makeTar(tree))
    await expectExtractFails(place(Buffer.concat([whole, Buffer.from('<html>404</html>')])), 'after the end of the zstd stream')
  })

  test('valid zstd holding something that is not a tar', async () => {
    await expectExtractFails(place(zstd(randomBytes(4096))), 'corrupt tar data')
  })

  test('a tar cut inside an entry, then compressed correctly', async () => {
    const tar = await makeTar(tree)
    await expectExtractFails(place(zstd(tar.subarray(0, 2048 + 700))), 'corrupt tar data')
  })

  test('a missing archive is NOT_FOUND', async () => {
    await expectExtractFails(join(sandbox.dir, 'absent.pkg.tar.zst'), 'not found', 'NOT_FOUND')
  })

  test('list refuses a truncated archive as well', async () => {
    const whole = zstd(await makeTar(tree))
    const error = await listArchive(place(whole.subarray(0, whole.length - 100))).then(() => undefined, (e: unknown) => e)
    expect(isZoiError(error, 'INTEGRITY')).toBe(true)
  })
})

describe('valid edge cases', () => {
  test('a zero-length entry extracts as an empty file', async () => {
    const archive = place(zstd(await makeTar([{ name: 'data/pkgstore/empty', content: '' }, { name: 'data/pkgstore/after', content: 'a' }])))
    const dest = join(sandbox.dir, 'zero-entry')
    const result = await extractArchive(archive, dest)
    expect(result.entries.map((e) => [e.path, e.size])).toEqual([['data/pkgstore/empty', 0], ['data/pkgstore/after', 1]])
    expect(statSync(join(dest, 'data/pkgstore/empty')).size).toBe(0)
    expect(readFileSync(join(dest, 'data/pkgstore/after'), 'utf8')).toBe('a')
  })

  test('an archive of only the end-of-archive blocks is empty', async () => {
    expect(await listArchive(place(zstd(await makeTar([]))))).toEqual([])
  })

  test('./ prefixes are normalised and the root entry is dropped', async () => {
    const archive = place(zstd(await makeTar([
      { name: './', type: 'directory' },
      { name: './data/', type: 'directory' },
      { name: './data/pkgstore/x', content: 'x', mode: 0o640 },
      { name: './data/pkgstore/l', type: 'symlink', linkname: 'x' },
    ])))
    expect(await listArchive(archive)).toEqual([
      { path: 'data', type: 'directory', mode: 0o755, size: 0 },
      { path: 'data/pkgstore/x', type: 'file', mode: 0o640, size: 1 },
      { path: 'data/pkgstore/l', type: 'symlink', mode: 0o644, size: 0, linkTarget: 'x' },
    ])
    const dest = join(sandbox.dir, 'dot-prefix')
    await extractArchive(archive, dest)
    expect(listTree(dest)).toEqual(['data', 'data/pkgstore', 'data/pkgstore/l', 'data/pkgstore/x'])
    expect(statSync(join(dest, 'data/pkgstore/x')).mode & 0o7777).toBe(0o640)
    expect(new TextDecoder().decode(await readArchiveMember(archive, 'data/pkgstore/x'))).toBe('x')
  })

  test('readArchiveMember stops once the member is found: a damaged tail is never reached', async () => {
    // 24 MB of incompressible content after the member, then the stream is cut off.
    const whole = zstd(await makeTar([{ name: 'manifest.yaml', content: 'first' }, { name: 'data/big', content: randomBytes(24 << 20) }]))
    const archive = place(whole.subarray(0, whole.length - 1000))
    expect(new TextDecoder().decode(await readArchiveMember(archive, 'manifest.yaml'))).toBe('first')
    expect(await listArchive(archive).catch((e: unknown) => isZoiError(e, 'INTEGRITY'))).toBe(true)
  })

  test('readArchiveMember finds the first *.pkg.lua by predicate, and reports absent members', async () => {
    const archive = place(zstd(await makeTar(tree)))
    const lua = await readArchiveMember(archive, (e) => e.path.endsWith('.pkg.lua'))
    expect(new TextDecoder().decode(lua)).toContain('metadata')
    expect(await readArchiveMember(archive, 'nope.yaml')).toBeUndefined()
    const tooBig = await readArchiveMember(archive, 'data/pkgstore/bin/hello', { maxBytes: 1000 }).catch((e: unknown) => e)
    expect(isZoiError(tooBig, 'INTEGRITY')).toBe(true)
  })

  test('extraction refuses a destination that already holds files (it would delete them on failure)', async () => {
    const archive = place(zstd(await makeTar(tree)))
    const dest = join(sandbox.dir, 'busy')
    await extractArchive(archive, dest)
    const error = await extractArchive(archive, dest).catch((e: unknown) => e)
    expect(isZoiError(error, 'INTERNAL')).toBe(true)
    expect(existsSync(join(dest, 'manifest.yaml'))).toBe(true)
  })
})
