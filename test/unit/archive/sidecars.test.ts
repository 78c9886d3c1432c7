/** Sidecars (SPEC §5): Zoi's exact formats out, tolerant-but-strict parsing in. */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  hashFile,
  listDataFiles,
  parseFilesSidecar,
  parseHashSidecar,
  parseSizeSidecar,
  sidecarPaths,
  writeArchive,
  writeSidecars,
} from '../../../src/archive/index.ts'
import { isZoiError } from '../../../src/errors.ts'
import { makeSandbox } from '../../support/make-archive.ts'

const sandbox = makeSandbox()
afterAll(sandbox.cleanup)

const SHA512 = 'ab'.repeat(64)
const SHA256 = 'cd'.repeat(32)

function expectIntegrity(fn: () => unknown, reason: string): void {
  try {
    fn()
  } catch (e) {
    expect(isZoiError(e, 'INTEGRITY')).toBe(true)
    expect((e as Error).message).toContain(reason)
    return
  }
  throw new Error('accepted')
}

describe('writeSidecars', () => {
  test('.hash matches sha512sum, .size and .files follow SPEC §5', async () => {
    const src = join(sandbox.dir, 'pkg')
    mkdirSync(join(src, 'data/pkgstore/bin'), { recursive: true })
    writeFileSync(join(src, 'data/pkgstore/bin/hello'), 'hello\n')
    symlinkSync('bin/hello', join(src, 'data/pkgstore/hello'))
    writeFileSync(join(src, 'manifest.yaml'), 'data/pkgstore/bin/hello')
    writeFileSync(join(src, 'hello.pkg.lua'), 'x')
    const archive = join(sandbox.dir, 'hello-1.0.0-linux-amd64.pkg.tar.zst')
    const { entries, bytes } = await writeArchive(archive, src)
    const files = listDataFiles(entries)
    expect(files).toEqual(['data/pkgstore/bin/hello', 'data/pkgstore/hello'])
    const written = await writeSidecars(archive, { installBytes: bytes, files })

    const paths = sidecarPaths(archive)
    const sha512sum = Bun.spawnSync(['sha512sum', 'hello-1.0.0-linux-amd64.pkg.tar.zst'], { cwd: sandbox.dir }).stdout.toString()
    expect(readFileSync(paths.hash, 'utf8')).toBe(sha512sum)
    expect(parseHashSidecar(sha512sum)).toEqual({ algorithm: 'sha512', hex: written.sha512 })
    expect(await hashFile(archive, 'sha512')).toBe(written.sha512)

    const down = Bun.file(archive).size
    expect(readFileSync(paths.size, 'utf8')).toBe(`down: ${down}\ninstall: ${6 + 23 + 1}\n`)
    expect(parseSizeSidecar(readFileSync(paths.size, 'utf8'))).toEqual({ down, install: 30 })
    expect(readFileSync(paths.files, 'utf8')).toBe('data/pkgstore/bin/hello\ndata/pkgstore/hello\n')
    expect(parseFilesSidecar(readFileSync(paths.files, 'utf8'))).toEqual(files)
  })

  test('hashFile sha256 matches sha256sum', async () => {
    const file = join(sandbox.dir, 'blob')
    writeFileSync(file, 'x'.repeat(3_000_000))
    const expected = Bun.spawnSync(['sha256sum', file]).stdout.toString().split(' ')[0]
    expect(await hashFile(file, 'sha256')).toBe(expected as string)
  })
})

describe('parseHashSidecar', () => {
  const accepted: Array<[string, string, { algorithm: string; hex: string }]> = [
    ['sha512sum line', `${SHA512}  hello.pkg.tar.zst\n`, { algorithm: 'sha512', hex: SHA512 }],
    ['binary-mode line', `${SHA512} *hello.pkg.tar.zst`, { algorithm: 'sha512', hex: SHA512 }],
    ['bare hash', `${SHA512}\n`, { algorithm: 'sha512', hex: SHA512 }],
    ['upper-case bare hash with CRLF', `${SHA512.toUpperCase()}\r\n`, { algorithm: 'sha512', hex: SHA512 }],
    ['SHA-256 line', `${SHA256}  hello.pkg.tar.zst`, { algorithm: 'sha256', hex: SHA256 }],
    ['BSD tag line', `SHA512 (hello.pkg.tar.zst) = ${SHA512}`, { algorithm: 'sha512', hex: SHA512 }],
    ['checksum list, the named line wins', `${SHA256}  other.pkg.tar.zst\n${SHA512}  dist/hello.pkg.tar.zst\n`, { algorithm: 'sha512', hex: SHA512 }],
  ]
  test.each(accepted)('accepts a %s', (_name, text, expected) => {
    expect(parseHashSidecar(text, { archiveName: 'hello.pkg.tar.zst' })).toEqual(expected as never)
  })

  const refused: Array<[string, string, string]> = [
    ['404 HTML page', '<!DOCTYPE html>\n<html><body><h1>404 Not Found</h1></body></html>\n', 'HTML'],
    ['HTML page starting with a hash-like word', `${SHA512}\n<html>oops</html>`, 'HTML'],
    ['plain-text error', 'Not Found\n', 'unexpected line'],
    ['MD5 (32 hex)', `${'a'.repeat(32)}  hello.pkg.tar.zst`, 'unexpected line'],
    ['hash with junk inside', `${SHA512.slice(0, 100)}zz${SHA512.slice(102)}`, 'unexpected line'],
    ['empty body', '  \n\n', 'empty'],
    ['binary body', '\0\0\0', 'binary'],
    ['BSD tag whose length disagrees', `SHA256 (x) = ${SHA512}`, 'unexpected line'],
    ['list without our archive', `${SHA512}  a.tar.zst\n${SHA512}  b.tar.zst\n`, "no checksum for 'hello.pkg.tar.zst'"],
  ]
  test.each(refused)('refuses a %s', (_name, text, reason) => {
    expectIntegrity(() => parseHashSidecar(text, { archiveName: 'hello.pkg.tar.zst', source: 'x.hash' }), reason)
  })
})

describe('parseSizeSidecar', () => {
  test.each([
    ['down: 123\ninstall: 456\n', { down: 123, install: 456 }],
    ['install:456\r\ndown :  123', { down: 123, install: 456 }],
    ['789\n', { down: 789 }],
    ['down: 0\n', { down: 0 }],
  ])('accepts %p', (text, expected) => {
    expect(parseSizeSidecar(text)).toEqual(expected)
  })

  test.each([
    ['<html><title>404</title></html>', 'HTML'],
    ['down: -1', 'unexpected line'],
    ['down: 12kb', 'unexpected line'],
    ['upload: 5', 'unexpected line'],
    ['12\n34', 'unexpected line'],
    ['down: 99999999999999999999', 'out of range'],
    ['', 'empty'],
  ])('refuses %p', (text, reason) => {
    expectIntegrity(() => parseSizeSidecar(text), reason)
  })
})

describe('parseFilesSidecar', () => {
  test("accepts Zoi's list (no trailing newline) and ours", () => {
    expect(parseFilesSidecar('data/pkgstore/bin/hello\ndata/usrroot/etc/hello.conf')).toEqual(['data/pkgstore/bin/hello', 'data/usrroot/etc/hello.conf'])
    expect(parseFilesSidecar('data/pkgstore/a\r\n\r\n./data/pkgstore/b\n')).toEqual(['data/pkgstore/a', 'data/pkgstore/b'])
    expect(parseFilesSidecar('')).toEqual([])
  })

  test.each([
    ['<html>404</html>', 'HTML'],
    ['data/pkgstore/../../etc/passwd', 'unexpected line'],
    ['/etc/passwd', 'unexpected line'],
    ['manifest.yaml', 'unexpected line'],
    ['Not Found', 'unexpected line'],
  ])('refuses %p', (text, reason) => {
    expectIntegrity(() => parseFilesSidecar(text), reason)
  })
})
