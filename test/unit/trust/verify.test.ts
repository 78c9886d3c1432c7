import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isZoiError } from '../../../src/errors.ts'
import { addKey, anchorKeys, loadKeyring, signDetached, verifyDetached } from '../../../src/trust/index.ts'
import { HAS_GPG, gpg, gpgSign, gpgVerifies, makeGpgKey, type GpgKey } from '../../support/gpg.ts'

const NOW = new Date()

describe.skipIf(!HAS_GPG)('detached signatures (needs gnupg)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zoi-trust-'))
  const ring = join(dir, 'pgps')
  const data = join(dir, 'data.bin')
  writeFileSync(data, 'hello archive\n')
  let alice: GpgKey
  let mallory: GpgKey

  test('keys made by gpg are added to the keyring and listed', async () => {
    alice = makeGpgKey('Alice <alice@example.org>')
    mallory = makeGpgKey('Mallory <mallory@example.org>')
    const added = await addKey(ring, readFileSync(alice.publicFile), { source: alice.publicFile, name: 'alice' })
    expect(added.fingerprint).toBe(alice.fingerprint)
    await addKey(ring, readFileSync(mallory.publicFile), { source: mallory.publicFile, name: 'mallory' })
    const keys = await loadKeyring([ring])
    expect(keys.map((k) => [k.name, k.userIds[0]])).toEqual([['alice', 'Alice <alice@example.org>'], ['mallory', 'Mallory <mallory@example.org>']])
  })

  test('a gpg signature by an anchor verifies', async () => {
    const sig = gpgSign(alice, data)
    const keys = anchorKeys(await loadKeyring([ring]), { ids: ['alice'], origin: 'test' }, 'archive data.bin')
    const check = await verifyDetached({ subject: 'archive data.bin', data: readFileSync(data), signature: readFileSync(sig), sigSource: sig }, keys, NOW)
    expect(check.fingerprint).toBe(alice.fingerprint)
  })

  test('a signature by another key is refused naming it', async () => {
    const sig = gpgSign(mallory, data, { out: join(dir, 'mallory.sig') })
    const keys = anchorKeys(await loadKeyring([ring]), { ids: [alice.fingerprint], origin: 'test' }, 'x')
    const e = await verifyDetached({ subject: 'archive data.bin', data: readFileSync(data), signature: readFileSync(sig), sigSource: sig }, keys, NOW).catch((e) => e)
    expect(isZoiError(e, 'INTEGRITY')).toBe(true)
    expect(e.message).toContain(mallory.fingerprint.slice(-16))
  })

  test('altered data is a bad signature', async () => {
    const sig = gpgSign(alice, data, { out: join(dir, 'alice2.sig') })
    const keys = anchorKeys(await loadKeyring([ring]), { ids: ['alice'], origin: 'test' }, 'x')
    const e = await verifyDetached({ subject: 'archive data.bin', data: new TextEncoder().encode('other'), signature: readFileSync(sig), sigSource: sig }, keys, NOW).catch((e) => e)
    expect(e.message).toContain('bad signature')
  })

  test('a large file is verified as a stream from disk: a good signature verifies, one flipped byte at the end is a bad signature', async () => {
    const big = join(dir, 'big.bin')
    const bytes = new Uint8Array(5 * 1024 * 1024 + 17)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 11)) & 0xff
    writeFileSync(big, bytes)
    const sig = gpgSign(alice, big, { out: join(dir, 'big.sig') })
    const keys = anchorKeys(await loadKeyring([ring]), { ids: ['alice'], origin: 'test' }, 'x')
    const check = await verifyDetached({ subject: 'archive big.bin', data: { file: big }, signature: readFileSync(sig), sigSource: sig }, keys, NOW)
    expect(check.fingerprint).toBe(alice.fingerprint)
    bytes[bytes.length - 1]! ^= 1
    writeFileSync(big, bytes)
    const e = await verifyDetached({ subject: 'archive big.bin', data: { file: big }, signature: readFileSync(sig), sigSource: sig }, keys, NOW).catch((e) => e)
    expect(isZoiError(e, 'INTEGRITY')).toBe(true)
    expect(e.message).toContain('archive big.bin: bad signature')
  })

  test('a key expired today still verifies what it signed while valid, whatever the clock says', async () => {
    const old = makeGpgKey('Old <old@example.org>', { expire: '1y', fakedTime: '20200101T000000' })
    const sig = gpgSign(old, data, { fakedTime: '20200601T000000', out: join(dir, 'old.sig') })
    await addKey(ring, readFileSync(old.publicFile), { source: old.publicFile, name: 'old' })
    const keys = anchorKeys(await loadKeyring([ring]), { ids: ['old'], origin: 'test' }, 'x')
    const check = await verifyDetached({ subject: 'x', data: readFileSync(data), signature: readFileSync(sig), sigSource: sig }, keys, new Date('2020-07-01'))
    expect(check.created.getUTCFullYear()).toBe(2020)
  })

  test('a signature made after its key expired names the key and both dates', async () => {
    const k = makeGpgKey('Late <late@example.org>', { fakedTime: '20200101T000000' })
    const late = gpgSign(k, data, { fakedTime: '20200601T000000', out: join(dir, 'late.sig') })
    // Later, the key's expiry is moved back before that signature (gpg signs nothing after expiry).
    gpg(k.home, ['--quick-set-expire', k.fingerprint, '20200301T000000'], { fakedTime: '20200201T000000' })
    const pub = gpg(k.home, ['--armor', '--export', k.fingerprint])
    await addKey(ring, new TextEncoder().encode(pub), { source: 'late.asc', name: 'late' })
    const keys = anchorKeys(await loadKeyring([ring]), { ids: ['late'], origin: 'test' }, 'x')
    const e = await verifyDetached({ subject: 'x', data: readFileSync(data), signature: readFileSync(late), sigSource: late }, keys, NOW).catch((e) => e)
    expect(e.message).toContain("'late'")
    expect(e.message).toContain('expired on 2020-03-01')
    expect(e.message).toContain('2020-06-01')
  })

  test('a signature from the future relative to the reference time is refused', async () => {
    const sig = gpgSign(alice, data, { out: join(dir, 'now.sig') })
    const keys = anchorKeys(await loadKeyring([ring]), { ids: ['alice'], origin: 'test' }, 'x')
    const e = await verifyDetached({ subject: 'x', data: readFileSync(data), signature: readFileSync(sig), sigSource: sig }, keys, new Date('2020-01-01')).catch((e) => e)
    expect(e.message).toContain('from the future')
  })

  test('a revoked key is refused, naming it and the revocation date', async () => {
    const k = makeGpgKey('Revoked <revoked@example.org>')
    const sig = gpgSign(k, data, { out: join(dir, 'revoked.sig') })
    // gpg leaves a revocation certificate, its armor line escaped with ':', in openpgp-revocs.d.
    const cert = readFileSync(join(k.home, 'openpgp-revocs.d', `${k.fingerprint}.rev`), 'utf8').replace(':-----BEGIN', '-----BEGIN')
    gpg(k.home, ['--import'], { input: cert })
    const pub = gpg(k.home, ['--armor', '--export', k.fingerprint])
    await addKey(ring, new TextEncoder().encode(pub), { source: 'revoked.asc', name: 'revoked' })
    const keys = anchorKeys(await loadKeyring([ring]), { ids: ['revoked'], origin: 'test' }, 'x')
    expect(keys[0]!.revoked).not.toBeNull()
    const e = await verifyDetached({ subject: 'archive data.bin', data: readFileSync(data), signature: readFileSync(sig), sigSource: sig }, keys, NOW).catch((e) => e)
    expect(e.message).toContain("'revoked'")
    expect(e.message).toContain(`revoked on ${new Date().toISOString().slice(0, 10)}`)
  })

  test('zoi signs, gpg verifies', async () => {
    const { signature } = await signDetached(readFileSync(data), { source: alice.secretFile, data: readFileSync(alice.secretFile), passphrase: async () => '' })
    const out = join(dir, 'zoi.sig')
    writeFileSync(out, signature)
    expect(gpgVerifies(alice.home, out, data)).toBe(true)
  })

  test('enforcement with no trusted keys refuses, and an anchor missing from the keyring is named', async () => {
    const ring2 = await loadKeyring([ring])
    expect(() => anchorKeys(ring2, { ids: [], origin: 'policy' }, 'archive a')).toThrow(/enforcement is on/)
    expect(() => anchorKeys(ring2, { ids: ['nobody'], origin: 'policy' }, 'archive a')).toThrow(/'nobody'/)
  })
})
