/**
 * The keyring: one `<name>.asc` per key in the user or system `pgps/` folder (Zoi's layout,
 * SPEC §10). Keys are named by their file stem; anchors and commands refer to a key by that name
 * or by its fingerprint (whole, or a prefix/suffix of at least 8 hex digits, like a key ID).
 */
import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ZoiError, errnoCode } from '../errors.ts'
import { writeFileAtomic } from '../platform/fs.ts'
import { describeKey, type KeyInfo } from './key-info.ts'
import { armorPublic, readKeysFrom, type AnyKey } from './openpgp.ts'

export interface RingKey extends KeyInfo {
  name: string
  file: string
  key: AnyKey
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** Every key of every `*.asc` in `dirs`; the first folder wins for a name found twice. */
export async function loadKeyring(dirs: readonly string[]): Promise<RingKey[]> {
  const out: RingKey[] = []
  const names = new Set<string>()
  for (const dir of dirs) {
    for (const entry of (await listAsc(dir)).sort()) {
      const name = entry.slice(0, -'.asc'.length)
      if (names.has(name)) continue
      names.add(name)
      const file = join(dir, entry)
      for (const key of await readKeysFrom(await readFile(file), file)) out.push({ name, file, key, ...(await describeKey(key)) })
    }
  }
  return out
}

async function listAsc(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.asc') && NAME.test(f))
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return []
    throw new ZoiError('PERMISSION', `cannot read keyring folder ${dir}: ${errnoCode(e) ?? e}`)
  }
}

/** Does `id` (a keyring name or fingerprint) name this key? */
export function matchesKey(id: string, k: { name: string; fingerprint: string }): boolean {
  if (id === k.name) return true
  const hex = id.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase()
  return /^[0-9A-F]{8,40}$/.test(hex) && (k.fingerprint.startsWith(hex) || k.fingerprint.endsWith(hex))
}

export interface AddedKey extends KeyInfo {
  name: string
  file: string
  /** False when the same key was already stored under this name. */
  changed: boolean
}

/**
 * Store the public part of the key(s) in `data` as `<dir>/<name>.asc`. A name already used by a
 * different key is refused: silently replacing a trusted key is exactly what an attacker wants.
 */
export async function addKey(dir: string, data: Uint8Array, options: { source: string; name: string; replace?: boolean }): Promise<AddedKey> {
  const { name, source } = options
  if (!NAME.test(name)) throw new ZoiError('USAGE', `invalid key name '${name}': use letters, digits, '.', '_' and '-'`)
  const keys = await readKeysFrom(data, source)
  const primary = keys[0]!
  const info = await describeKey(primary)
  const file = join(dir, `${name}.asc`)
  const existing = await readFile(file).then((d) => readKeysFrom(d, file), (e) => {
    if (errnoCode(e) === 'ENOENT') return undefined
    throw e
  })
  const same = existing?.[0]?.getFingerprint().toUpperCase() === info.fingerprint
  if (existing && !same && !options.replace) {
    throw new ZoiError('REFUSED', `key name '${name}' already holds another key (${existing[0]!.getFingerprint().toUpperCase()})`, {
      hint: `choose another name with --name, or remove it first with 'zoi key rm ${name}'`,
    })
  }
  const text = keys.map(armorPublic).join('\n')
  const changed = !same || (await readFile(file, 'utf8')) !== text
  if (changed) await writeFileAtomic(file, text)
  return { name, file, changed, ...info }
}

/** A name for a key file when the user gives none: the file stem, else the short fingerprint. */
export function defaultKeyName(source: string, fingerprint: string): string {
  const stem = (source.split(/[\\/]/).pop() ?? '').replace(/[?#].*$/, '').replace(/\.(asc|gpg|pgp|key|pub)$/i, '')
  return NAME.test(stem) ? stem : fingerprint.slice(-16)
}

/** Remove the keys `id` names from the writable keyring folder; returns what was removed. */
export async function removeKey(dir: string, id: string): Promise<RingKey[]> {
  const ring = await loadKeyring([dir])
  const hits = ring.filter((k) => matchesKey(id, k))
  if (hits.length === 0) throw new ZoiError('NOT_FOUND', `no key '${id}' in ${dir}`, { hint: "see 'zoi key ls'" })
  for (const file of new Set(hits.map((k) => k.file))) await rm(file, { force: true })
  return hits
}

/** The armored public key(s) that `id` names. */
export async function exportKey(dirs: readonly string[], id: string): Promise<string> {
  const hits = (await loadKeyring(dirs)).filter((k) => matchesKey(id, k))
  if (hits.length === 0) throw new ZoiError('NOT_FOUND', `no key '${id}' in the keyring`, { hint: "see 'zoi key ls'" })
  return hits.map((k) => armorPublic(k.key)).join('\n')
}
