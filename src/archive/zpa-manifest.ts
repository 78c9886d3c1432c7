/**
 * The `manifest.json` of a `.zpa` archive (SPEC §9, reference §1.3), read as pure data: every
 * destination is split into its placeholder root and clean segments here, before anything
 * touches the disk. A destination with another prefix, a `..`, or an absolute path is
 * UNSAFE_PATH; a manifest of the wrong shape is INTEGRITY. Pool names are only checked for form:
 * Zoi rewrites ELF files after naming them, so the name is no checksum (the archive's is).
 */
import { ZoiError, describeError } from '../errors.ts'
import { splitEntryPath } from './safe-path.ts'

export const ZPA_ROOTS = ['pkgstore', 'usrroot', 'usrhome'] as const
export type ZpaRoot = (typeof ZPA_ROOTS)[number]

export interface ZpaPath {
  root: ZpaRoot
  /** `/`-separated, normalised; '' is the root itself. */
  rel: string
}

export interface ZpaScope {
  files: { dest: ZpaPath; pool: string; mode: number }[]
  symlinks: { link: ZpaPath; target: string }[]
  dirs: { path: ZpaPath; mode: number }[]
}

export interface ZpaManifest {
  /** Sub-package ('' = the package itself) → scope name → what it installs. */
  mappings: Map<string, Map<string, ZpaScope>>
}

const POOL_NAME = /^sha256-[0-9a-fA-F]{64}$/

export function parseZpaManifest(text: string, subject: string): ZpaManifest {
  const bad = (why: string) => new ZoiError('INTEGRITY', `${subject}: manifest.json ${why}`, { hint: 'the .zpa archive is damaged or was not made by Zoi or zoi' })
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw bad(`is not JSON (${describeError(e)})`)
  }
  const mappings = new Map<string, Map<string, ZpaScope>>()
  const root = object(doc, bad, 'is not an object')
  for (const [sub, mapping] of Object.entries(object(root.mappings, bad, "has no 'mappings' object"))) {
    if (sub !== '' && (typeof splitEntryPath(sub) === 'string' || sub.includes('/') || sub === 'data' || (ZPA_ROOTS as readonly string[]).includes(sub))) throw bad(`names the sub-package '${sub}', which cannot be a folder name`)
    const scopes = new Map<string, ZpaScope>()
    for (const [scope, m] of Object.entries(object(object(mapping, bad, `mapping '${sub}' is not an object`).scopes, bad, `mapping '${sub}' has no 'scopes'`))) {
      scopes.set(scope, readScope(object(m, bad, `scope '${scope}' is not an object`), subject, bad))
    }
    mappings.set(sub, scopes)
  }
  return { mappings }
}

function readScope(m: Record<string, unknown>, subject: string, bad: (why: string) => ZoiError): ZpaScope {
  const list = (key: string): unknown[] => {
    const v = m[key]
    if (v === undefined || v === null) return []
    if (!Array.isArray(v)) throw bad(`'${key}' is not a list`)
    return v
  }
  return {
    files: list('files').map((x) => {
      const f = object(x, bad, 'has a file entry that is not an object')
      const pool = text(f.hash, bad, 'file hash')
      if (!POOL_NAME.test(pool)) throw bad(`names the pool file '${pool}', not sha256-<64 hex>`)
      return { dest: splitZpaPath(text(f.dest, bad, 'file dest'), subject), pool, mode: mode(f.mode, 0o644, bad) }
    }),
    symlinks: list('symlinks').map((x) => {
      const l = object(x, bad, 'has a symlink entry that is not an object')
      return { link: splitZpaPath(text(l.link, bad, 'symlink link'), subject), target: text(l.target, bad, 'symlink target') }
    }),
    dirs: list('dirs').map((x) => {
      const d = object(x, bad, 'has a dir entry that is not an object')
      return { path: splitZpaPath(text(d.path, bad, 'dir path'), subject), mode: mode(d.mode, 0o755, bad) }
    }),
  }
}

/** `${pkgstore}/bin/x` → { root: 'pkgstore', rel: 'bin/x' }; anything else is UNSAFE_PATH. */
export function splitZpaPath(raw: string, subject: string): ZpaPath {
  const refuse = (why: string) =>
    new ZoiError('UNSAFE_PATH', `${subject}: manifest.json destination '${raw}' ${why}`, { hint: 'the archive tries to write outside its destination; nothing was installed' })
  const m = /^\$\{([a-z]+)\}(?:\/(.*))?$/s.exec(raw)
  if (!m) throw refuse('does not start with ${pkgstore}, ${usrroot} or ${usrhome}')
  if (!(ZPA_ROOTS as readonly string[]).includes(m[1]!)) throw refuse(`uses the placeholder \${${m[1]}}, which zoi does not install to`)
  const rest = m[2] ?? ''
  if (rest.startsWith('/')) throw refuse('has an absolute path after its placeholder')
  const segments = splitEntryPath(rest)
  if (typeof segments === 'string') throw refuse(segments)
  return { root: m[1] as ZpaRoot, rel: segments.join('/') }
}

/**
 * The `.zpa.files` lines (Zoi's format): every file dest, link and `dir/`, over all sub-packages
 * and scopes, deduplicated and byte-sorted.
 */
export function zpaFileList(manifest: ZpaManifest): string[] {
  const out = new Set<string>()
  const show = (p: ZpaPath) => `\${${p.root}}${p.rel === '' ? '' : `/${p.rel}`}`
  for (const scopes of manifest.mappings.values()) {
    for (const s of scopes.values()) {
      for (const f of s.files) out.add(show(f.dest))
      for (const l of s.symlinks) out.add(show(l.link))
      for (const d of s.dirs) out.add(`${show(d.path)}/`)
    }
  }
  return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

function object(v: unknown, bad: (why: string) => ZoiError, why: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(why)
  return v as Record<string, unknown>
}

function text(v: unknown, bad: (why: string) => ZoiError, what: string): string {
  if (typeof v !== 'string' || v === '') throw bad(`has a ${what} that is not a string`)
  return v
}

/** Permission bits only: setuid, setgid and sticky are dropped, as Zoi's builder does. */
function mode(v: unknown, fallback: number, bad: (why: string) => ZoiError): number {
  if (v === undefined || v === null) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(`has the mode ${JSON.stringify(v)}, not a number`)
  return v & 0o777
}
