/**
 * What `zoi key ls` and error messages say about a key: fingerprint, user IDs, creation,
 * expiry and revocation, read with OpenPGP.js and reduced to plain data.
 */
import type { AnyKey } from './openpgp.ts'

export interface KeyInfo {
  /** Upper-case hex, as `gpg` prints it. */
  fingerprint: string
  userIds: string[]
  created: Date
  /** Null when the key never expires. */
  expires: Date | null
  /** When the key was revoked, or null. */
  revoked: Date | null
}

export async function describeKey(key: AnyKey): Promise<KeyInfo> {
  const expiry = await key.getExpirationTime().catch(() => null)
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    userIds: key.getUserIDs(),
    created: key.getCreationTime(),
    expires: expiry instanceof Date ? expiry : null,
    revoked: revocationDate(key),
  }
}

/**
 * The creation time of the key's revocation signature, if it carries one. A revocation is
 * honoured whenever it was made: OpenPGP.js would accept signatures made before it, but a key
 * revoked for compromise can have forged "earlier" signatures, so zoi refuses them all.
 */
export function revocationDate(key: AnyKey): Date | null {
  const sigs = key.revocationSignatures ?? []
  const dates = sigs.map((s) => s.created).filter((d): d is Date => d instanceof Date)
  return dates.length === 0 ? null : new Date(Math.min(...dates.map((d) => d.getTime())))
}

/** `2026-11-26` for messages; `never` for keys that do not expire. */
export function day(d: Date | null): string {
  return d === null ? 'never' : d.toISOString().slice(0, 10)
}

/** The key's display name in messages: its keyring name and short fingerprint. */
export function keyLabel(name: string, fingerprint: string): string {
  return `'${name}' (${fingerprint.slice(-16)})`
}
