/**
 * The one door to OpenPGP.js. It is imported lazily, on first use, so commands that never touch
 * signatures (most of them) do not pay for parsing the library at start-up.
 */
import type * as OpenPGP from 'openpgp'
import { ZoiError, describeError } from '../errors.ts'

export type OpenPGPModule = typeof OpenPGP
export type PublicKey = OpenPGP.PublicKey
export type PrivateKey = OpenPGP.PrivateKey
export type AnyKey = OpenPGP.Key

let loaded: Promise<OpenPGPModule> | undefined

export function openpgp(): Promise<OpenPGPModule> {
  loaded ??= import('openpgp')
  return loaded
}

/**
 * Every key in `data` (ASCII-armored or binary, one or several). Anything unreadable is INTEGRITY
 * naming `source`: a keyring file that does not parse must never be read as "no keys".
 */
export async function readKeysFrom(data: Uint8Array, source: string): Promise<AnyKey[]> {
  const pgp = await openpgp()
  const text = new TextDecoder().decode(data)
  try {
    return text.includes('-----BEGIN PGP')
      ? await pgp.readKeys({ armoredKeys: text })
      : await pgp.readKeys({ binaryKeys: data })
  } catch (e) {
    throw new ZoiError('INTEGRITY', `${source} holds no readable OpenPGP key: ${describeError(e)}`)
  }
}

/** The `.asc` text of the public part of `key`. */
export function armorPublic(key: AnyKey): string {
  return key.isPrivate() ? key.toPublic().armor() : key.armor()
}
