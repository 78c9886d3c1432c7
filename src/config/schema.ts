/**
 * The shape of config.yaml (SPEC §3), its defaults in one object, and merging of several files
 * (system → user: later scalars win, lists are concatenated and de-duplicated).
 */

export interface RegistryRef {
  /** repo.yaml `name`, lower-cased; '' until the first sync discovers it. */
  handle: string
  url: string
  /** Trust anchors (SPEC §10, Zoi's field): key names or fingerprints. Absent = none. */
  authorities?: string[]
}

/** `policy.signature_enforcement`: when enabled, `trusted_keys` replace every registry's authorities. */
export interface SignatureEnforcement {
  enable: boolean
  trusted_keys: string[]
}

export interface Policy {
  signature_enforcement?: SignatureEnforcement
}

export interface Config {
  default_registry: RegistryRef
  added_registries: RegistryRef[]
  repos: string[]
  offline_mode: boolean
  pkg_dirs: string[]
  cache_mirrors: string[]
  policy: Policy
  /** Hashed source mirrors (SPEC §11), tried before a source's own URL. */
  source_mirrors: string[]
}

/** The port `zoi serve` binds when none is given. */
export const DEFAULT_SERVE_PORT = 8080

export const OFFICIAL_REGISTRY_URL = 'https://gitlab.com/Zillowe/Zillwen/Zusty/Zoidberg.git'

/** Keywords accepted by `sync set` in place of a URL. */
export const REGISTRY_KEYWORDS: Readonly<Record<string, string>> = {
  default: OFFICIAL_REGISTRY_URL,
  gitlab: OFFICIAL_REGISTRY_URL,
  github: 'https://github.com/Zillowe/Zoidberg.git',
  codeberg: 'https://codeberg.org/Zillowe/Zoidberg.git',
}

export function defaultConfig(): Config {
  return {
    default_registry: { handle: '', url: OFFICIAL_REGISTRY_URL },
    added_registries: [],
    repos: [],
    offline_mode: false,
    pkg_dirs: [],
    cache_mirrors: [],
    policy: {},
    source_mirrors: [],
  }
}

export type ConfigKey = keyof Config

type FieldKind = 'bool' | 'strings' | 'registry' | 'registries' | 'policy'

export const FIELD_KINDS: Readonly<Record<ConfigKey, FieldKind>> = {
  default_registry: 'registry',
  added_registries: 'registries',
  repos: 'strings',
  offline_mode: 'bool',
  pkg_dirs: 'strings',
  cache_mirrors: 'strings',
  policy: 'policy',
  source_mirrors: 'strings',
}

/** Merge partial configs in order (later wins for scalars; lists concatenated, de-duplicated). */
export function mergeConfigs(parts: readonly Partial<Config>[]): Config {
  const out = defaultConfig()
  for (const part of parts) {
    if (part.default_registry) out.default_registry = preferCredentials(part.default_registry, out.default_registry)
    if (part.offline_mode !== undefined) out.offline_mode = part.offline_mode
    if (part.added_registries) {
      const merged: RegistryRef[] = []
      for (const r of [...out.added_registries, ...part.added_registries]) {
        const i = merged.findIndex((m) => withoutCredentials(m.url) === withoutCredentials(r.url))
        if (i < 0) merged.push(r)
        else merged[i] = preferCredentials(r, merged[i]!)
      }
      out.added_registries = merged
    }
    if (part.repos) out.repos = unique([...out.repos, ...part.repos])
    if (part.pkg_dirs) out.pkg_dirs = unique([...out.pkg_dirs, ...part.pkg_dirs])
    if (part.cache_mirrors) out.cache_mirrors = unique([...out.cache_mirrors, ...part.cache_mirrors])
    // The later file's enforcement block wins whole: half of one and half of another means nothing.
    if (part.policy?.signature_enforcement) out.policy = { ...out.policy, signature_enforcement: part.policy.signature_enforcement }
    if (part.source_mirrors) out.source_mirrors = unique([...out.source_mirrors, ...part.source_mirrors])
  }
  return out
}

/** `https://user:pw@host/r` → `https://host/r`: what may be written where others can read it. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/i, '$1')
}

/**
 * Credentials are only kept in the user's own (0600) config; copies elsewhere (a root's config)
 * hold the bare URL. A later ref that is the same registry without them keeps the earlier URL.
 */
function preferCredentials(later: RegistryRef, earlier: RegistryRef): RegistryRef {
  if (later.url === earlier.url || withoutCredentials(later.url) !== later.url) return later
  if (withoutCredentials(earlier.url) !== later.url) return later
  return { handle: later.handle || earlier.handle, url: earlier.url }
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)]
}
