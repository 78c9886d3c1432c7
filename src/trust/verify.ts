/**
 * Verifying one detached OpenPGP signature against the anchor keys (SPEC §10). Time is judged
 * from the signed object, never only from this machine's clock, which drifts on air-gapped hosts:
 * key expiry and revocation at the signature's creation time, and a signature is refused only
 * when it is later than `notAfter` (the registry commit time, or the clock if that is later).
 */
import { ZoiError, describeError } from '../errors.ts'
import { day, keyLabel, revocationDate } from './key-info.ts'
import type { RingKey } from './keyring.ts'
import { openpgp } from './openpgp.ts'

/** Clock skew tolerated between a signature and the time it is judged against. */
export const SKEW_MS = 24 * 60 * 60 * 1000

export interface SignedObject {
  /** How messages name it: `archive vim-9.1.0-linux-amd64.pkg.tar.zst`, `commit 1a2b3c4 of registry x`. */
  subject: string
  /** The bytes, or a file read as a stream while it is verified (memory stays flat in its size). */
  data: Uint8Array | { file: string }
  /** Binary or ASCII-armored detached signature. */
  signature: Uint8Array | string
  /** Where the signature was read, for messages. */
  sigSource: string
}

export interface SignatureCheck {
  signer: string
  fingerprint: string
  created: Date
}

/**
 * `keys` are the anchors; `ring` (the whole keyring) only serves to name a signer that is known
 * here but not trusted.
 */
export async function verifyDetached(obj: SignedObject, keys: readonly RingKey[], notAfter: Date, ring: readonly RingKey[] = keys): Promise<SignatureCheck> {
  const pgp = await openpgp()
  const fail = (message: string, hint?: string): never => {
    throw new ZoiError('INTEGRITY', message, { hint, data: { subject: obj.subject, signature: obj.sigSource } })
  }
  const trusted = keys.map((k) => keyLabel(k.name, k.fingerprint)).join(', ')
  const text = typeof obj.signature === 'string' ? obj.signature : new TextDecoder().decode(obj.signature)
  const signature = await (text.includes('-----BEGIN PGP SIGNATURE')
    ? pgp.readSignature({ armoredSignature: text })
    : pgp.readSignature({ binarySignature: typeof obj.signature === 'string' ? new TextEncoder().encode(obj.signature) : obj.signature })
  ).catch((e: unknown) => fail(`${obj.subject}: malformed signature ${obj.sigSource}: ${describeError(e)}`))
  const packet = signature.packets[0]
  const created = packet?.created
  if (!packet || !(created instanceof Date)) return fail(`${obj.subject}: ${obj.sigSource} holds no signature`)

  const keyIds = signature.getSigningKeyIDs()
  const issuers = keyIds.map((id) => id.toHex().toUpperCase())
  const signer = keys.find((k) => keyIds.some((id) => k.key.getKeys(id).length > 0))
  if (!signer) {
    const known = ring.find((k) => keyIds.some((id) => k.key.getKeys(id).length > 0))
    const by = known ? keyLabel(known.name, known.fingerprint) : issuers.join(', ') || '(unknown)'
    return fail(`${obj.subject} is signed by key ${by}, which is not a trusted key (trusted: ${trusted})`,
      `the signature ${obj.sigSource} was made by another key; get a copy signed by a trusted key`)
  }
  const who = keyLabel(signer.name, signer.fingerprint)
  if (created.getTime() > notAfter.getTime() + SKEW_MS) {
    return fail(`${obj.subject}: the signature by ${who} is dated ${created.toISOString()}, later than ${notAfter.toISOString()}; refusing a signature from the future`)
  }
  const revoked = revocationDate(signer.key)
  if (revoked) return fail(`${obj.subject} is signed by key ${who}, which was revoked on ${day(revoked)} (signature made ${day(created)})`)
  if (signer.expires && signer.expires.getTime() <= created.getTime()) {
    return fail(`${obj.subject} is signed by key ${who}, which expired on ${day(signer.expires)}, before the signature was made on ${day(created)}`,
      'ask the signer for a fresh signature by a valid key, or import their renewed key')
  }

  const data = obj.data
  const message = packet.signatureType === pgp.enums.signature.text
    ? await pgp.createMessage({ text: new TextDecoder().decode(data instanceof Uint8Array ? data : await Bun.file(data.file).bytes()) })
    : await pgp.createMessage({ binary: data instanceof Uint8Array ? data : (Bun.file(data.file).stream() as ReadableStream<Uint8Array>) })
  try {
    // `date` = the signature's own time: OpenPGP.js then judges the key's validity when it signed.
    const result = await pgp.verify({ message, signature, verificationKeys: [signer.key], date: created, format: 'binary' })
    // A streamed message is hashed as its data is read: read it all, then ask for the verdict.
    if (!(data instanceof Uint8Array)) await drain(result.data as unknown as ReadableStream<Uint8Array>)
    await result.signatures[0]!.verified
  } catch (e) {
    return fail(`${obj.subject}: bad signature by key ${who} (${obj.sigSource}): ${describeError(e)}`,
      'the file or the signature was altered; get both again from a source you trust')
  }
  return { signer: signer.name, fingerprint: signer.fingerprint, created }
}

/** Reads a stream to its end (through a reader: async iteration finds it locked by OpenPGP.js). */
async function drain(stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader()
  while (!(await reader.read()).done);
}
