/** verifyArchive (SPEC §7 step 3): magic, size, checksum; bad files of zoi's own are removed. */
import { describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { indexHash, verifyArchive, type VerifyOptions } from '../../../src/cache/index.ts'
import { silent } from '../../../src/progress.ts'
import { makeTempDir } from '../../support/run-cli.ts'
import { buildArchive, recordReports, rejection } from './cache-fixtures.ts'

async function fresh(sidecars = false) {
  return buildArchive(makeTempDir('zoi-verify-'), 'tool', '1.2.3', { sidecars })
}

function opts(extra: Partial<VerifyOptions>): VerifyOptions {
  return { fileName: 'tool-1.2.3-linux-amd64.pkg.tar.zst', hashRequired: false, removeIfBad: false, report: silent, ...extra }
}

describe('checksums', () => {
  test('SHA-512 from the index matches', async () => {
    const a = await fresh()
    const v = await verifyArchive(a.path, opts({ hash: indexHash(a.fileName, { sha512: a.sha512 }) }))
    expect(v.hash).toMatchObject({ algorithm: 'sha512', origin: 'index' })
    expect(v.bytes).toBe(readFileSync(a.path).length)
  })

  test('SHA-256 is accepted; SHA-512 is preferred when the index has both', async () => {
    const a = await fresh()
    const sha256 = createHash('sha256').update(readFileSync(a.path)).digest('hex')
    expect((await verifyArchive(a.path, opts({ hash: indexHash(a.fileName, { sha256 }) }))).hash?.algorithm).toBe('sha256')
    expect(indexHash(a.fileName, { sha256, sha512: a.sha512 })?.algorithm).toBe('sha512')
  })

  test('malformed index data is an INTEGRITY error, not a silent skip', () => {
    expect(() => indexHash('x', { sha512: 'abc' })).toThrow('malformed sha512')
  })

  test('a mismatch in the cache names the file and both hashes, and removes it with its sidecars', async () => {
    const a = await fresh(true)
    const wrong = '12'.repeat(64)
    const e = await rejection(verifyArchive(a.path, opts({ hash: indexHash(a.fileName, { sha512: wrong }), removeIfBad: true })))
    expect(e.exitCode).toBe(6)
    expect(e.message).toContain(`checksum mismatch for ${a.fileName}`)
    expect(e.message).toContain(`expected sha512 ${wrong} (from the registry index)`)
    expect(e.message).toContain(`actual   sha512 ${a.sha512}`)
    expect(e.hint).toContain('was removed')
    expect([a.path, `${a.path}.hash`, `${a.path}.size`, `${a.path}.files`].some(existsSync)).toBe(false)
  })

  test('deferHash: nothing is hashed here; the caller\'s mismatch gets the same error and removal', async () => {
    const a = await fresh(true)
    const wrong = '12'.repeat(64)
    const v = await verifyArchive(a.path, opts({ hash: indexHash(a.fileName, { sha512: wrong }), removeIfBad: true, deferHash: true }))
    expect(v.pending?.hash).toMatchObject({ algorithm: 'sha512', hex: wrong })
    expect(existsSync(a.path)).toBe(true)
    const e = await rejection(v.pending!.mismatch(a.sha512))
    expect(e).toMatchObject({ code: 'INTEGRITY' })
    expect(e.message).toContain(`actual   sha512 ${a.sha512}`)
    expect(existsSync(a.path)).toBe(false)
  })

  test('a mismatch in a pkg-dir is never deleted', async () => {
    const a = await fresh()
    const e = await rejection(verifyArchive(a.path, opts({ hash: indexHash(a.fileName, { sha512: '34'.repeat(64) }) })))
    expect(e.code).toBe('INTEGRITY')
    expect(e.hint).toContain(`replace '${a.path}'`)
    expect(existsSync(a.path)).toBe(true)
  })

  test('no checksum and one required → INTEGRITY with a remedy', async () => {
    const a = await fresh()
    const e = await rejection(verifyArchive(a.path, opts({ hashRequired: true })))
    expect(e.exitCode).toBe(6)
    expect(e.message).not.toContain('Unsupported hash length')
    expect(e.message).toContain('its registry requires one')
    expect(e.hint).toContain("zoi sync")
    expect(existsSync(a.path)).toBe(true)
  })

  test('no checksum and none required → accepted with a warning', async () => {
    const a = await fresh()
    const { report, events } = recordReports()
    expect((await verifyArchive(a.path, opts({ report }))).hash).toBeUndefined()
    expect(events.map((e) => e.kind)).toEqual(['warn'])
  })
})

describe('content and size', () => {
  test('non-zstd content is refused, naming the file', async () => {
    const dir = makeTempDir('zoi-verify-')
    const path = join(dir, 'tool-1.2.3-linux-amd64.pkg.tar.zst')
    writeFileSync(path, 'just some text, renamed\n')
    const e = await rejection(verifyArchive(path, opts({ removeIfBad: true })))
    expect(e.code).toBe('INTEGRITY')
    expect(e.message).toContain('tool-1.2.3-linux-amd64.pkg.tar.zst is not a zstd archive')
    expect(existsSync(path)).toBe(false)
  })

  test('an empty file is refused', async () => {
    const path = join(makeTempDir('zoi-verify-'), 'tool-1.2.3-linux-amd64.pkg.tar.zst')
    writeFileSync(path, '')
    expect((await rejection(verifyArchive(path, opts({})))).message).toContain('not a zstd archive')
  })

  test('a known size that differs is refused before hashing', async () => {
    const a = await fresh()
    const e = await rejection(verifyArchive(a.path, opts({ size: { bytes: 1, source: 'the registry index' }, hash: indexHash(a.fileName, { sha512: a.sha512 }) })))
    expect(e.message).toContain('size mismatch')
    expect(e.message).toContain('expected 1 bytes (from the registry index)')
  })
})
