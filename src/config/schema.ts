/**
 * The shape of config.yaml (SPEC §3), its defaults in one object, and merging of several files
 * (system → user: later scalars win, lists are concatenated and de-duplicated).
 */

export interface RegistryRef {
  /** repo.yaml `name`, lower-cased; '' until the first sync discovers it. */
  handle: string
  url: string
}

export interface Config {
  default_registry: RegistryRef
  added_registries: RegistryRef[]
  repos: string[]
  offline_mode: boolean
  pkg_dirs: string[]
  cache_mirrors: string[]
  /** Hashed source mirrors (SPEC §11), tried before a source's own URL. */
  source_mirrors: string[]
}

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
    source_mirrors: [],
  }
}

export type ConfigKey = keyof Config

type FieldKind = 'bool' | 'strings' | 'registry' | 'registries'

export const FIELD_KINDS: Readonly<Record<ConfigKey, FieldKind>> = {
  default_registry: 'registry',
  added_registries: 'registries',
  repos: 'strings',
  offline_mode: 'bool',
  pkg_dirs: 'strings',
  cache_mirrors: 'strings',
  source_mirrors: 'strings',
}

/** Merge partial configs in order (later wins for scalars; lists concatenated, de-duplicated). */
export function mergeConfigs(parts: readonly Partial<Config>[]): Config {
  const out = defaultConfig()
  for (const part of parts) {
    if (part.default_registry) out.default_registry = part.default_registry
    if (part.offline_mode !== undefined) out.offline_mode = part.offline_mode
    if (part.added_registries) out.added_registries = uniqueBy([...out.added_registries, ...part.added_registries], (r) => r.url)
    if (part.repos) out.repos = unique([...out.repos, ...part.repos])
    if (part.pkg_dirs) out.pkg_dirs = unique([...out.pkg_dirs, ...part.pkg_dirs])
    if (part.cache_mirrors) out.cache_mirrors = unique([...out.cache_mirrors, ...part.cache_mirrors])
    if (part.source_mirrors) out.source_mirrors = unique([...out.source_mirrors, ...part.source_mirrors])
  }
  return out
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)]
}

function uniqueBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>()
  return xs.filter((x) => !seen.has(key(x)) && (seen.add(key(x)), true))
}
