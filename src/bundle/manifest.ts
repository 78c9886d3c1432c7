/**
 * `bundle.json` (SPEC §12): what an air-gap bundle holds and what it is for. The manifest names
 * every file with its size and SHA-512, so checking a bundle needs nothing but the bundle; the
 * install plan per platform says what must install on the far side. Serialisation is canonical
 * (fixed key order, sorted files, one trailing newline): the same inputs give the same bytes.
 */
import { ZoiError } from '../errors.ts'

export const BUNDLE_FORMAT = 'zoi-bundle'
export const BUNDLE_JSON = 'bundle.json'
export const BUNDLE_SIG = 'bundle.json.sig'
/** Where a bundle keeps what it carries, relative to its root. */
export const BUNDLE_DIRS = { archives: 'archives', sources: 'sources', zoi: 'zoi', keys: 'keys', registry: 'registry' } as const

export type FileRole = 'registry' | 'archive' | 'source' | 'zoi' | 'key'

export interface BundleFile {
  path: string
  sha512: string
  size: number
  role: FileRole
}

export interface BundleRegistry {
  handle: string
  /** Where the registry came from (credentials removed): kept as its URL after import. */
  url: string
  commit: string
  default: boolean
  /** Bare repository inside the bundle (`registry.git`, or `registry/<handle>.git` when several). */
  git: string
  /** The SQLite index at that commit (`registry/<handle>.db`). */
  index: string
}

export interface PlannedFile {
  name: string
  version: string
  registry: string
  repo: string
  /** Archive file under `archives/`; empty for a package the far side builds from source. */
  file: string
  sha512: string
  size: number
  installSize?: number
  source?: boolean
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT
  version: 1
  /** The newest registry commit's time (ISO 8601): never the wall clock, so it is reproducible. */
  created: string
  zoi: string
  requests: string[]
  platforms: string[]
  closure: 'runtime' | 'build'
  registries: BundleRegistry[]
  plans: Record<string, PlannedFile[]>
  /** `--closure build`: the archives of the build dependencies of what the far side builds. */
  build?: Record<string, PlannedFile[]>
  files: BundleFile[]
  /** Public keys carried under `keys/` (the bundled registries' anchors): names, never trusted by travelling. */
  keys?: string[]
  /** SHA-512 of the `bundle.json` this one extends (`--since`); its files are not repeated here. */
  base?: string
  /** Files inherited from the base: listed so the final state is checkable, not present. */
  inherited?: BundleFile[]
  totals: { download: number; install: number }
}

export function serializeManifest(m: BundleManifest): string {
  const sortFiles = (files: BundleFile[]) => [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const ordered = {
    format: m.format,
    version: m.version,
    created: m.created,
    zoi: m.zoi,
    requests: m.requests,
    platforms: m.platforms,
    closure: m.closure,
    registries: m.registries,
    plans: Object.fromEntries(Object.keys(m.plans).sort().map((p) => [p, m.plans[p]])),
    ...(m.build ? { build: Object.fromEntries(Object.keys(m.build).sort().map((p) => [p, m.build![p]])) } : {}),
    files: sortFiles(m.files),
    ...(m.keys && m.keys.length > 0 ? { keys: m.keys } : {}),
    ...(m.base ? { base: m.base, inherited: sortFiles(m.inherited ?? []) } : {}),
    totals: m.totals,
  }
  return JSON.stringify(ordered, null, 2) + '\n'
}

/** Parses and checks the shape; anything off is INTEGRITY naming `source`. */
export function parseManifest(text: string, source: string): BundleManifest {
  const bad = (why: string) => new ZoiError('INTEGRITY', `${source}: not a zoi bundle manifest (${why})`, { hint: "make one with 'zoi bundle create'" })
  let doc: Record<string, unknown>
  try {
    doc = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw bad('not JSON')
  }
  if (doc?.format !== BUNDLE_FORMAT) throw bad(`format is ${JSON.stringify(doc?.format)}`)
  if (doc.version !== 1) throw bad(`version ${JSON.stringify(doc.version)} is not supported by this zoi`)
  for (const key of ['requests', 'platforms', 'registries', 'files'] as const) if (!Array.isArray(doc[key])) throw bad(`'${key}' is not a list`)
  if (typeof doc.plans !== 'object' || doc.plans === null) throw bad("'plans' is not an object")
  const files = [...(doc.files as unknown[]), ...((doc.inherited as unknown[] | undefined) ?? [])]
  // A path named twice (carried and inherited, say) would be placed twice when a chain is
  // assembled, the second write going through the first one's link into the bundle.
  const seen = new Set<string>()
  for (const f of files as Record<string, unknown>[]) {
    if (typeof f?.path !== 'string' || !isSafeBundlePath(f.path)) throw bad(`unsafe file path ${JSON.stringify(f?.path)}`)
    if (seen.has(f.path)) throw bad(`file path ${JSON.stringify(f.path)} is listed twice`)
    seen.add(f.path)
    // A bundled repository must hold its own objects: alternates would have the import copy
    // objects from wherever they point on the importing machine into its registry clone.
    if (/(^|\/)objects\/info\/(http-)?alternates$/.test(f.path)) throw bad(`${f.path} borrows git objects from outside the bundle`)
    if (typeof f.sha512 !== 'string' || !/^[0-9a-f]{128}$/.test(f.sha512)) throw bad(`bad sha512 for ${f.path}`)
    if (typeof f.size !== 'number' || f.size < 0) throw bad(`bad size for ${f.path}`)
  }
  for (const r of doc.registries as Record<string, unknown>[]) {
    if (typeof r?.handle !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(r.handle)) throw bad(`bad registry handle ${JSON.stringify(r?.handle)}`)
    for (const k of ['git', 'index'] as const) if (typeof r[k] !== 'string' || !isSafeBundlePath(r[k] as string)) throw bad(`bad registry ${k} path`)
  }
  return doc as unknown as BundleManifest
}

/** Relative, `/`-separated, no `.`/`..`/empty segments, no dot-files at the top (private state). */
export function isSafeBundlePath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false
  const parts = p.split('/')
  return parts.every((s) => s !== '' && s !== '.' && s !== '..') && !parts[0]!.startsWith('.')
}

/** The role of a file by where it lives in the bundle. */
export function roleOf(path: string): FileRole {
  const top = path.split('/')[0]!
  if (top === BUNDLE_DIRS.archives) return 'archive'
  if (top === BUNDLE_DIRS.sources) return 'source'
  if (top === BUNDLE_DIRS.zoi) return 'zoi'
  if (top === BUNDLE_DIRS.keys) return 'key'
  return 'registry'
}
