/**
 * The archive's own digest is computed in the same read that extracts it: no second pass over
 * the file, and a mismatch leaves nothing behind. File modes survive without a chmod per file.
 */
import { afterAll, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { extractArchive, hashFile } from '../../../src/archive/index.ts'
import { isZoiError } from '../../../src/errors.ts'
import { makeSandbox, makeTar, zstd } from '../../support/make-archive.ts'

const sandbox = makeSandbox()
afterAll(sandbox.cleanup)

async function archive(name: string): Promise<string> {
  const path = join(sandbox.dir, name)
  const tar = await makeTar([
    { name: 'data/pkgstore/bin/tool', content: randomBytes(3_000_000), mode: 0o755 },
    { name: 'data/pkgstore/share/readonly', content: 'r', mode: 0o444 },
    { name: 'data/pkgstore/share/private', content: 'p', mode: 0o600 },
  ])
  writeFileSync(path, zstd(tar))
  return path
}

test('extractArchive returns the sha512 of the archive file, equal to hashing it separately', async () => {
  const path = await archive('a.pkg.tar.zst')
  const r = await extractArchive(path, join(sandbox.dir, 'a'), { hash: 'sha512' })
  expect(r.digest).toBe(await hashFile(path, 'sha512'))
  expect(statSync(join(sandbox.dir, 'a/data/pkgstore/bin/tool')).mode & 0o7777).toBe(0o755)
  expect(statSync(join(sandbox.dir, 'a/data/pkgstore/share/readonly')).mode & 0o7777).toBe(0o444)
  expect(statSync(join(sandbox.dir, 'a/data/pkgstore/share/private')).mode & 0o7777).toBe(0o600)
})

test('an expected digest that does not match: INTEGRITY, and the destination is gone', async () => {
  const path = await archive('b.pkg.tar.zst')
  const dest = join(sandbox.dir, 'b')
  const error = await extractArchive(path, dest, { expect: { algorithm: 'sha512', hex: '00'.repeat(64), source: 'b.hash' } }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isZoiError(error, 'INTEGRITY')).toBe(true)
  expect((error as Error).message).toContain('checksum mismatch')
  expect((error as Error).message).toContain('b.hash')
  expect(existsSync(dest)).toBe(false)
})

test('an expected digest that matches extracts normally', async () => {
  const path = await archive('c.pkg.tar.zst')
  const hex = await hashFile(path, 'sha256')
  const r = await extractArchive(path, join(sandbox.dir, 'c'), { expect: { algorithm: 'sha256', hex } })
  expect(r.digest).toBe(hex)
})

test('folder modes: each folder gets its own mode whatever the umask, a chmod only where the mode it was made with differs', async () => {
  const path = join(sandbox.dir, 'dirs.pkg.tar.zst')
  const tar = await makeTar([
    { name: 'data/open', type: 'directory', mode: 0o755 },
    { name: 'data/open/f', content: 'f' },
    { name: 'data/private', type: 'directory', mode: 0o700 },
    { name: 'data/shared', type: 'directory', mode: 0o2775 },
    { name: 'data/readonly', type: 'directory', mode: 0o555 },
    { name: 'data/readonly/f', content: 'f' },
  ])
  writeFileSync(path, zstd(tar))
  for (const mask of [0o022, 0o077]) {
    const dest = join(sandbox.dir, `dirs-${mask.toString(8)}`)
    const before = process.umask(mask)
    try {
      await extractArchive(path, dest)
    } finally {
      process.umask(before)
    }
    const mode = (rel: string) => statSync(join(dest, rel)).mode & 0o7777
    expect([mode('data/open'), mode('data/private'), mode('data/shared'), mode('data/readonly')]).toEqual([0o755, 0o700, 0o2775, 0o555])
    expect(existsSync(join(dest, 'data/readonly/f'))).toBe(true)
  }
})
