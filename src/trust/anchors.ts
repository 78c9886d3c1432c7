/**
 * Which keys a registry's archives and commits must be signed by (SPEC §10): the config's
 * `policy.signature_enforcement.trusted_keys` when enforcement is on, else the registry's
 * `authorities`. No anchors means "unsigned is fine" (Zoi compatible); enforcement on with an
 * empty list means "nothing is trusted" (a FIX: Zoi accepts everything there).
 */
import type { Config, RegistryRef } from '../config/index.ts'
import { ZoiError } from '../errors.ts'
import { matchesKey, type RingKey } from './keyring.ts'

export interface Anchors {
  /** Key names or fingerprints, as written in the config. */
  ids: readonly string[]
  /** Where they come from, for messages. */
  origin: string
}

export function anchorsForRef(config: Config, ref: RegistryRef | undefined, label: string): Anchors | undefined {
  const enforcement = config.policy.signature_enforcement
  if (enforcement?.enable) return { ids: enforcement.trusted_keys, origin: 'policy.signature_enforcement.trusted_keys' }
  const ids = ref?.authorities ?? []
  return ids.length === 0 ? undefined : { ids, origin: `the authorities of registry '${label}'` }
}

/** The anchors of the registry whose handle is `handle` (as recorded after its first sync). */
export function anchorsForHandle(config: Config, handle: string): Anchors | undefined {
  const ref = [config.default_registry, ...config.added_registries].find((r) => r.handle === handle)
  return anchorsForRef(config, ref, handle)
}

/**
 * The keyring keys the anchors name. An anchor that names no key is refused here, before any
 * signature is read: the user asked for a key zoi does not have, so nothing could verify.
 */
export function anchorKeys(ring: readonly RingKey[], anchors: Anchors, subject: string): RingKey[] {
  if (anchors.ids.length === 0) {
    throw new ZoiError('INTEGRITY', `${subject} cannot be trusted: signature enforcement is on and ${anchors.origin} is empty`, {
      hint: "add a key with 'zoi key add' and trust it with 'zoi key trust <name>'",
    })
  }
  const missing = anchors.ids.filter((id) => !ring.some((k) => matchesKey(id, k)))
  if (missing.length > 0) {
    throw new ZoiError('INTEGRITY', `${subject} cannot be verified: ${missing.map((m) => `'${m}'`).join(', ')} from ${anchors.origin} is not in the keyring`, {
      hint: "import it with 'zoi key add <file.asc | url> --name <name>'",
    })
  }
  return ring.filter((k) => anchors.ids.some((id) => matchesKey(id, k)))
}
