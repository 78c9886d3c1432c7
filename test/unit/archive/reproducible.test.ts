/**
 * The writer: same tree → same bytes (SPEC §5), whatever the source location, file mtimes or
 * creation order; modes, symlinks, empty directories and long or non-ASCII paths survive a round trip.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { extract as tarExtract, type Header } from 'tar-stream'
import { zstdDecompressSync } from 'node:zlib'
import { extractArchive, hashFile, listArchive, writeArchive } from '../../../src/archive/index.ts'
import { writeZstdFile } from '../../../src/archive/zstd.ts'
import { isZoiError } from '../../../src/errors.ts'
import { listTree, makeSandbox } from '../../support/make-archive.ts'

const sandbox = makeSandbox()
afterAll(sandbox.cleanup)

const longDir = `data/pkgstore/${'deeply-nested-directory-name/'.repeat(5)}`
const longName = `${'a-very-long-file-name-'.repeat(8)}.txt` // 176 chars: needs pax, not just the ustar prefix

/** A package tree exercising every feature; files are created in reverse order on purpose. */
function buildTree(root: string): void {
  mkdirSync(join(root, longDir), { recursive: true })
  mkdirSync(join(root, 'data/pkgstore/empty-dir'), { recursive: true })
  mkdirSync(join(root, 'data/pkgstore/bin'), { recursive: true })
  writeFileSync(join(root, longDir, longName), 'long\n')
  writeFileSync(join(root, 'data/pkgstore/bin/zeta'), 'z')
  writeFileSync(join(root, 'data/pkgstore/bin/hello'), '#!/bin/sh\necho hello\n')
  writeFileSync(join(root, 'data/pkgstore/naïve-ünïcode.txt'), 'u')
  writeFileSync(join(root, 'data/pkgstore/empty'), '')
  chmodSync(join(root, 'data/pkgstore/bin/hello'), 0o755)
  chmodSync(join(root, 'data/pkgstore/bin/zeta'), 0o600)
  chmodSync(join(root, 'data/pkgstore/empty-dir'), 0o750)
  symlinkSync('bin/hello', join(root, 'data/pkgstore/hello-link'))
  symlinkSync(`../${longDir.slice('data/pkgstore/'.length)}${longName}`, join(root, 'data/pkgstore/bin/long-link'))
  writeFileSync(join(root, 'manifest.yaml'), 'data/pkgstore/bin/hello\n')
  writeFileSync(join(root, 'hello.pkg.lua'), 'metadata({ name = "hello" })\n')
}

async function tarHeaders(archive: string): Promise<Header[]> {
  const headers: Header[] = []
  const extract = tarExtract()
  extract.end(zstdDecompressSync(readFileSync(archive)))
  for await (const entry of extract) {
    headers.push(entry.header)
    entry.resume()
  }
  return headers
}

describe('writeZstdFile', () => {
  test('the bytes depend on the content only, not on how it was chunked or timed', async () => {
    const content = Buffer.from(Array.from({ length: 400_000 }, (_, i) => `${i % 1013},`).join(''))
    const chunkings = [[content], [content.subarray(0, 10), content.subarray(10)], Array.from({ length: 300 }, (_, i) => content.subarray(i * 10_000, (i + 1) * 10_000))]
    const hashes: string[] = []
    for (const [i, chunks] of chunkings.entries()) {
      const out = join(sandbox.dir, `chunked-${i}.zst`)
      await writeZstdFile(out, (async function* () { yield* chunks })())
      expect(zstdDecompressSync(readFileSync(out)).equals(content)).toBe(true)
      hashes.push(await hashFile(out, 'sha512'))
    }
    expect(new Set(hashes).size).toBe(1)
  })
})

describe('writeArchive', () => {
  test('the same tree twice gives byte-identical archives (same SHA-512)', async () => {
    const [a, b] = [join(sandbox.dir, 'src-a'), join(sandbox.dir, 'elsewhere/src-b')]
    buildTree(a)
    cpSync(a, b, { recursive: true, verbatimSymlinks: true })
    utimesSync(join(b, 'data/pkgstore/bin/hello'), new Date('2020-01-01'), new Date('2020-01-01'))
    await writeArchive(join(sandbox.dir, 'a.pkg.tar.zst'), a, { mtime: 1_700_000_000 })
    await writeArchive(join(sandbox.dir, 'b.pkg.tar.zst'), b, { mtime: 1_700_000_000 })
    const [ha, hb] = [await hashFile(join(sandbox.dir, 'a.pkg.tar.zst'), 'sha512'), await hashFile(join(sandbox.dir, 'b.pkg.tar.zst'), 'sha512')]
    expect(ha).toMatch(/^[0-9a-f]{128}$/)
    expect(hb).toBe(ha)
    await writeArchive(join(sandbox.dir, 'c.pkg.tar.zst'), a, { mtime: 0 })
    expect(await hashFile(join(sandbox.dir, 'c.pkg.tar.zst'), 'sha512')).not.toBe(ha)
  })

  test('identical even when written concurrently (compressor timing does not leak into the bytes)', async () => {
    const src = join(sandbox.dir, 'src-concurrent')
    buildTree(src)
    // Small (one compressor batch) and larger (several batches) trees.
    const big = join(sandbox.dir, 'src-concurrent-big')
    buildTree(big)
    writeFileSync(join(big, 'data/pkgstore/blob'), Buffer.from(Array.from({ length: 200_000 }, (_, i) => `${i % 977} `).join('')))
    for (const tree of [src, big]) {
      const outs = Array.from({ length: 6 }, (_, i) => join(sandbox.dir, `conc-${i}.pkg.tar.zst`))
      await Promise.all(outs.map((out) => writeArchive(out, tree)))
      const hashes = await Promise.all(outs.map((out) => hashFile(out, 'sha512')))
      expect(new Set(hashes).size).toBe(1)
    }
  })

  test('headers: sorted, fixed mtime, uid/gid 0, empty owner names, modes kept', async () => {
    const src = join(sandbox.dir, 'src-h')
    buildTree(src)
    const archive = join(sandbox.dir, 'h.pkg.tar.zst')
    const result = await writeArchive(archive, src, { mtime: 1234 })
    const headers = await tarHeaders(archive)
    const names = headers.map((h) => h.name.replace(/\/$/, ''))
    expect(names).toEqual(result.entries.map((e) => e.path))
    expect(names.slice(0, 4)).toEqual(['data', 'data/pkgstore', 'data/pkgstore/bin', 'data/pkgstore/bin/hello'])
    expect(names.at(-1)).toBe('manifest.yaml')
    for (const h of headers) {
      expect(h.mtime.getTime()).toBe(1234_000)
      expect([h.uid, h.gid, h.uname, h.gname]).toEqual([0, 0, '', ''])
    }
    const mode = (name: string) => headers.find((h) => h.name.replace(/\/$/, '') === name)?.mode
    expect(mode('data/pkgstore/bin/hello')).toBe(0o755)
    expect(mode('data/pkgstore/bin/zeta')).toBe(0o600)
    expect(mode('data/pkgstore/empty-dir')).toBe(0o750)
    expect(headers.find((h) => h.name === 'data/pkgstore/hello-link')?.type).toBe('symlink')
    expect(result.bytes).toBe(result.entries.filter((e) => e.type === 'file').reduce((n, e) => n + e.size, 0))
  })

  test('round trip: long paths, unicode, symlinks, empty files and directories survive', async () => {
    const src = join(sandbox.dir, 'src-r')
    buildTree(src)
    const archive = join(sandbox.dir, 'r.pkg.tar.zst')
    await writeArchive(archive, src)
    expect(existsSync(`${archive}.tmp`)).toBe(false)
    const listed = await listArchive(archive)
    expect(listed.some((e) => e.path === `${longDir}${longName}` && e.path.length > 255)).toBe(true)
    const dest = join(sandbox.dir, 'dest-r')
    await extractArchive(archive, dest)
    expect(listTree(dest)).toEqual(listTree(src))
    expect(readFileSync(join(dest, longDir, longName), 'utf8')).toBe('long\n')
    expect(readlinkSync(join(dest, 'data/pkgstore/hello-link'))).toBe('bin/hello')
    expect(readFileSync(join(dest, 'data/pkgstore/bin/long-link'), 'utf8')).toBe('long\n')
    expect(statSync(join(dest, 'data/pkgstore/bin/hello')).mode & 0o7777).toBe(0o755)
    expect(statSync(join(dest, 'data/pkgstore/empty-dir')).mode & 0o7777).toBe(0o750)
  })

  test('an output that cannot be written fails cleanly instead of hanging', async () => {
    const src = join(sandbox.dir, 'src-unwritable')
    buildTree(src)
    writeFileSync(join(src, 'data/pkgstore/big'), Buffer.alloc(6 << 20, 7)) // streamed, not read whole
    const out = join(sandbox.dir, 'no-such-dir', 'x.pkg.tar.zst')
    const error = await writeArchive(out, src).catch((e: unknown) => e)
    // A missing output folder is the caller's fault (not found), never an internal error.
    expect(isZoiError(error, 'NOT_FOUND')).toBe(true)
    expect((error as Error).message).toContain(out)
  })

  test('refuses a tree holding a symlink that an installer would refuse', async () => {
    const src = join(sandbox.dir, 'src-bad')
    mkdirSync(join(src, 'data/pkgstore'), { recursive: true })
    symlinkSync('/etc/passwd', join(src, 'data/pkgstore/passwd'))
    const out = join(sandbox.dir, 'bad.pkg.tar.zst')
    const error = await writeArchive(out, src).catch((e: unknown) => e)
    expect(isZoiError(error, 'UNSAFE_PATH')).toBe(true)
    expect(existsSync(out) || existsSync(`${out}.tmp`)).toBe(false)
  })
})
