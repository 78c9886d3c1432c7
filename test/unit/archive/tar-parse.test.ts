/** The tar header reader (tar-parse.ts): long names, pax, GNU, base-256 sizes, damaged headers. */
import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { listArchive, readArchiveMember } from '../../../src/archive/index.ts'
import { decodeHeader } from '../../../src/archive/tar-parse.ts'
import { makeSandbox, makeTar, zstd } from '../../support/make-archive.ts'

/** A 512-byte header written by hand (GNU or POSIX ustar), checksum filled in. */
function header(fields: { name: string; type: string; size?: number | Uint8Array; gnu?: boolean; prefix?: string }): Uint8Array {
  const b = new Uint8Array(512)
  const put = (s: string, at: number) => b.set(new TextEncoder().encode(s), at)
  put(fields.name, 0)
  put('0000644\0', 100)
  if (fields.size instanceof Uint8Array) b.set(fields.size, 124)
  else put(`${(fields.size ?? 0).toString(8).padStart(11, '0')}\0`, 124)
  put(fields.type, 156)
  if (fields.gnu) put('ustar  \0', 257)
  else put('ustar\x0000', 257)
  if (fields.prefix) put(fields.prefix, 345)
  put('        ', 148)
  const sum = b.reduce((a, x) => a + x, 0)
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  return b
}

function padded(content: string): Uint8Array {
  const bytes = new TextEncoder().encode(content)
  const out = new Uint8Array(Math.ceil(bytes.length / 512) * 512)
  out.set(bytes)
  return out
}

const END = new Uint8Array(1024)

async function archiveOf(...parts: Uint8Array[]): Promise<string> {
  const { dir } = makeSandbox()
  const path = join(dir, 'x.pkg.tar.zst')
  writeFileSync(path, zstd(Buffer.concat(parts)))
  return path
}

describe('tar headers', () => {
  test('a name longer than 100 bytes (pax, as zoi writes it) and a long link target survive', async () => {
    const long = `data/pkgstore/${'d'.repeat(120)}/${'f'.repeat(90)}.txt`
    const tar = await makeTar([
      { name: long, content: 'long\n' },
      { name: 'data/pkgstore/link', type: 'symlink', linkname: `${'d'.repeat(120)}/${'f'.repeat(90)}.txt` },
    ])
    const path = await archiveOf(tar)
    const entries = await listArchive(path)
    expect(entries.map((e) => e.path)).toEqual([long, 'data/pkgstore/link'])
    expect(entries[1]!.linkTarget).toBe(`${'d'.repeat(120)}/${'f'.repeat(90)}.txt`)
    expect(new TextDecoder().decode(await readArchiveMember(path, long))).toBe('long\n')
  })

  test('GNU long names (type L) and the ustar prefix field are applied', async () => {
    const gnuName = `data/${'g'.repeat(150)}`
    const path = await archiveOf(
      header({ name: '././@LongLink', type: 'L', size: gnuName.length + 1, gnu: true }),
      padded(`${gnuName}\0`),
      header({ name: 'short', type: '0', size: 3, gnu: true }),
      padded('abc'),
      header({ name: 'file', type: '0', size: 2, prefix: 'data/prefixed' }),
      padded('xy'),
      END,
    )
    const entries = await listArchive(path)
    expect(entries.map((e) => [e.path, e.size])).toEqual([[gnuName, 3], ['data/prefixed/file', 2]])
    expect(new TextDecoder().decode(await readArchiveMember(path, 'data/prefixed/file'))).toBe('xy')
  })

  test('a base-256 size field is read', () => {
    const size = new Uint8Array(12)
    size[0] = 0x80
    size[10] = 0x02 // 512 bytes
    expect(decodeHeader(header({ name: 'big', type: '0', size }))?.size).toBe(512)
  })

  test('octal fields are read as tar writers pad them: leading spaces and zeros, a trailing NUL or space, digits only up to the first other byte', () => {
    const field = (text: string) => {
      const b = new Uint8Array(12)
      b.set(new TextEncoder().encode(text))
      return b
    }
    const sizeOf = (text: string) => decodeHeader(header({ name: 'f', type: '0', size: field(text) }))?.size
    expect(sizeOf('00000001750\0')).toBe(1000)
    expect(sizeOf('   1750 \0')).toBe(1000)
    expect(sizeOf('\0\0\0\0')).toBe(0)
    expect(sizeOf('17509')).toBe(1000)
    expect(sizeOf('77777777777')).toBe(8 ** 11 - 1)
    expect(sizeOf('9')).toBeNaN()
  })

  test('a header with a wrong checksum is INTEGRITY', async () => {
    const bad = header({ name: 'a', type: '0', size: 1 })
    bad[0] = 0x62
    const e = await listArchive(await archiveOf(bad, padded('a'), END)).catch((x) => x)
    expect(e).toMatchObject({ code: 'INTEGRITY' })
    expect(String(e.message)).toContain('Invalid tar header')
  })

  test('content cut off before its declared size is INTEGRITY', async () => {
    const e = await listArchive(await archiveOf(header({ name: 'a', type: '0', size: 5000 }), padded('short'))).catch((x) => x)
    expect(e).toMatchObject({ code: 'INTEGRITY' })
  })
})
