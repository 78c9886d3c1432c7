/**
 * Where installed things live, and how an absolute path maps to the `(kind, relative path)`
 * pairs the installed db records. The db never holds an absolute path: only the Layout knows
 * the bases, so a root that is later entered with `chroot` (every base different) or copied
 * elsewhere keeps a working db.
 */
import { realpathSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { Layout } from '../platform/layout.ts'
import { crypto } from '../platform/node-lazy.ts'

/** The base a recorded path is relative to: the store, the bin folder, `/` of the root, or home. */
export type FileKind = 'pkgstore' | 'bin' | 'usrroot' | 'usrhome'

export const FILE_KINDS: readonly FileKind[] = ['pkgstore', 'bin', 'usrroot', 'usrhome']

/** The identity of an installed package: one store folder per key. */
export interface PackageKey {
  readonly handle: string
  readonly repo: string
  readonly name: string
}

/** A path below one of the layout's bases. */
export interface Location {
  readonly kind: FileKind
  /** Relative to the kind's base, `/`-separated, never empty, never escaping. */
  readonly path: string
}

/** First 32 hex chars of sha512(`#<handle>@<repo>/<name>`), as Zoi names store folders. */
export function storeId(key: PackageKey): string {
  return crypto().createHash('sha512').update(`#${key.handle}@${key.repo}/${key.name}`).digest('hex').slice(0, 32)
}

/** `<id32>-<name>`: the package's folder name inside the store. */
export function packageDirName(key: PackageKey): string {
  return `${storeId(key)}-${key.name}`
}

export function packageDir(layout: Layout, key: PackageKey): string {
  return join(layout.storeDir, packageDirName(key))
}

export function formatKey(key: PackageKey): string {
  return `#${key.handle}@${key.repo}/${key.name}`
}

function logicalBase(kind: FileKind, layout: Layout): string {
  switch (kind) {
    case 'pkgstore':
      return layout.storeDir
    case 'bin':
      return layout.binDir
    case 'usrroot':
      return layout.usrRoot
    case 'usrhome':
      return layout.usrHome
  }
}

/**
 * Resolved bases, per layout: resolving costs a few syscalls and `locate` runs for every file
 * of a package. Safe to keep: zoi only ever creates real folders below a base, which does not
 * change what the base resolves to.
 */
const resolvedBases = new WeakMap<Layout, Map<FileKind, string>>()

/** The base folder of `kind` with every symlink resolved (as far as it exists). */
export function kindBase(kind: FileKind, layout: Layout): string {
  let bases = resolvedBases.get(layout)
  if (!bases) resolvedBases.set(layout, (bases = new Map()))
  let base = bases.get(kind)
  if (base === undefined) bases.set(kind, (base = resolvedPath(logicalBase(kind, layout))))
  return base
}

/** `p` with `..` and every symlink resolved as far as the path exists; the rest appended as written. */
export function resolvedPath(p: string): string {
  const tail: string[] = []
  let head = resolve(p)
  for (;;) {
    try {
      return join(realpathSync(head), ...tail.reverse())
    } catch {
      const parent = dirname(head)
      if (parent === head) return resolve(p)
      tail.push(basename(head))
      head = parent
    }
  }
}

/**
 * Where a directory entry named by `p` physically is: its parent folder resolved, its own name
 * kept. Unlike `resolvedPath` a symlink at `p` itself is not followed, so a bin link is located
 * as the link, not as the file it points to.
 */
export function entryPath(p: string): string {
  const abs = resolve(p)
  const parent = dirname(abs)
  return parent === abs ? abs : join(resolvedPath(parent), basename(abs))
}

/**
 * Every base that holds `abs` (already resolved), most specific first: a bin link under
 * `--root` is both `bin/<name>` and `usrroot/usr/local/bin/<name>`.
 */
export function locate(abs: string, layout: Layout): Location[] {
  const found: Array<Location & { depth: number }> = []
  for (const kind of FILE_KINDS) {
    const base = kindBase(kind, layout)
    const rel = relative(base, abs)
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) continue
    found.push({ kind, path: rel.split(sep).join('/'), depth: base.length })
  }
  return found.sort((a, b) => b.depth - a.depth).map(({ kind, path }) => ({ kind, path }))
}

/** The absolute path of a recorded location under this layout. */
export function absolutePath(location: Location, layout: Layout): string {
  return join(kindBase(location.kind, layout), ...location.path.split('/'))
}

/** Whether `abs` is `dir` or lies below it (both resolved). */
export function isInside(abs: string, dir: string): boolean {
  const rel = relative(dir, abs)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}
