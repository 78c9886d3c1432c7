/** The keyring folder: `<name>.asc` files, names and fingerprints, no silent replacement. */
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isZoiError } from '../../../src/errors.ts'
import { addKey, defaultKeyName, exportKey, loadKeyring, matchesKey, removeKey } from '../../../src/trust/index.ts'
import { HAS_GPG, makeGpgKey } from '../../support/gpg.ts'

test('key names default to the file stem, else the short fingerprint', () => {
  expect(defaultKeyName('/x/corp-release.asc', 'AB'.repeat(20))).toBe('corp-release')
  expect(defaultKeyName('https://h/k/signing.gpg?x=1', 'AB'.repeat(20))).toBe('signing')
  expect(defaultKeyName('https://h/k/', 'AB'.repeat(20))).toBe('AB'.repeat(8))
})

test('an identifier is a name, the whole fingerprint, or 8+ hex digits at either end', () => {
  const k = { name: 'corp', fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567' }
  for (const id of ['corp', k.fingerprint, k.fingerprint.toLowerCase(), '0x89ABCDEF01234567', '01234567', '0123 4567 89AB CDEF 0123']) expect(matchesKey(id, k)).toBe(true)
  for (const id of ['cor', '0123456', 'FFFFFFFF', 'other']) expect(matchesKey(id, k)).toBe(false)
})

test('an unreadable .asc in the keyring is an integrity error naming it, never "no keys"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zoi-ring-'))
  writeFileSync(join(dir, 'junk.asc'), 'not a key')
  const e = await loadKeyring([dir]).catch((e) => e)
  expect(isZoiError(e, 'INTEGRITY')).toBe(true)
  expect(e.message).toContain(join(dir, 'junk.asc'))
})

describe.skipIf(!HAS_GPG)('with gpg-made keys (needs gnupg)', () => {
  test('add is idempotent, refuses another key under a used name, stores only the public part; rm and export by fingerprint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zoi-ring-'))
    const a = makeGpgKey('A <a@example.org>')
    const b = makeGpgKey('B <b@example.org>')
    expect((await addKey(dir, readFileSync(a.secretFile), { source: a.secretFile, name: 'a' })).changed).toBe(true)
    expect(readFileSync(join(dir, 'a.asc'), 'utf8')).toContain('PUBLIC KEY BLOCK')
    expect(readFileSync(join(dir, 'a.asc'), 'utf8')).not.toContain('PRIVATE')
    expect((await addKey(dir, readFileSync(a.publicFile), { source: a.publicFile, name: 'a' })).changed).toBe(false)
    const clash = await addKey(dir, readFileSync(b.publicFile), { source: b.publicFile, name: 'a' }).catch((e) => e)
    expect(isZoiError(clash, 'REFUSED')).toBe(true)
    expect(await exportKey([dir], a.fingerprint.slice(-16))).toContain('PUBLIC KEY BLOCK')
    expect((await removeKey(dir, a.fingerprint)).map((k) => k.name)).toEqual(['a'])
    expect(existsSync(join(dir, 'a.asc'))).toBe(false)
    expect(isZoiError(await removeKey(dir, 'a').catch((e) => e), 'NOT_FOUND')).toBe(true)
  })

  test('the first keyring folder wins for a name (user over system)', async () => {
    const user = mkdtempSync(join(tmpdir(), 'zoi-ring-'))
    const system = mkdtempSync(join(tmpdir(), 'zoi-ring-'))
    const a = makeGpgKey('A2 <a2@example.org>')
    const b = makeGpgKey('B2 <b2@example.org>')
    await addKey(user, readFileSync(a.publicFile), { source: 'a', name: 'k' })
    await addKey(system, readFileSync(b.publicFile), { source: 'b', name: 'k' })
    expect((await loadKeyring([user, system])).map((k) => k.fingerprint)).toEqual([a.fingerprint])
  })
})
