/**
 * Registries found on disk rather than in the config: the folders of `<db>/` that hold a
 * `repo.yaml` (a clone made by `zoi sync`, copied from another machine or extracted from a
 * bundle, as the seed's "registry bundling" describes). Like Zoi, the first such folder is the
 * default registry when the config names none. Reading only: nothing here writes.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { RegistryRef } from '../config/index.ts'

/** A folder name usable as a handle (never the installed db, never a hidden staging folder). */
export function isRegistryHandle(handle: string): boolean {
  return /^[a-z0-9][a-z0-9._-]*$/.test(handle) && handle !== 'local'
}

/** Every registry folder of `dbDir`, sorted by handle; url = the clone's origin, else the folder. */
export function registryFolders(dbDir: string): RegistryRef[] {
  let names: string[]
  try {
    names = readdirSync(dbDir)
  } catch {
    return []
  }
  return names
    .filter((n) => isRegistryHandle(n) && isFile(join(dbDir, n, 'repo.yaml')))
    .sort()
    .map((handle) => ({ handle, url: originUrl(join(dbDir, handle)) ?? join(dbDir, handle) }))
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile()
  } catch {
    return false
  }
}

/** `remote.origin.url` of the clone in `dir` (stored without credentials by sync). */
export function originUrl(dir: string): string | undefined {
  const file = join(dir, '.git', 'config')
  if (!existsSync(file)) return undefined
  let section = ''
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim()
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line)
    if (header) section = header[1]!.replace(/\s+/g, ' ').toLowerCase()
    else if (section === 'remote "origin"') {
      const m = /^url\s*=\s*(.+)$/i.exec(line)
      if (m) return m[1]!.trim()
    }
  }
  return undefined
}

export interface ConfiguredRegistries {
  default_registry: RegistryRef
  added_registries: RegistryRef[]
}

/**
 * The registries to use: the configured ones, with a never-synced ref (no handle) given the
 * handle of the folder cloned from its URL; and when the config names no registry of its own
 * (`namesNone`), the folders of the first `dbDirs` entry that has any: the first is the default,
 * the others are added.
 */
export function withDiscovered(config: ConfiguredRegistries, dbDirs: readonly string[], namesNone: boolean): ConfiguredRegistries {
  let folders: RegistryRef[] = []
  if (!dbDirs.some((d) => (folders = registryFolders(d)).length > 0)) return config
  const claim = (ref: RegistryRef): RegistryRef => {
    if (ref.handle) return ref
    const match = folders.find((f) => f.url === ref.url)
    return match ? { ...ref, handle: match.handle } : ref
  }
  const added = config.added_registries.map(claim)
  let def = claim(config.default_registry)
  if (!namesNone || def.handle) return { default_registry: def, added_registries: added }
  const free = folders.filter((f) => !added.some((a) => a.handle === f.handle || a.url === f.url))
  if (free.length === 0) return { default_registry: def, added_registries: added }
  def = free[0]!
  return { default_registry: def, added_registries: [...added, ...free.slice(1)] }
}
