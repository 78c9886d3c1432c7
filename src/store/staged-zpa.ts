/**
 * A `.zpa` archive (SPEC §9), once extracted into staging, is laid out as the `data/` tree of a
 * `.pkg.tar.zst` (`data/[<sub>/]{pkgstore,usrroot,usrhome}`), so that both formats go through
 * the one install path (stageArchive → plan → journal → commit). Only the mapping of the
 * install's scope is used. Every mapped path runs through the archive reader's EntryGuard, per
 * placeholder root, before any file is placed: a `..`, an absolute path, a path through a link
 * or a link leaving its root is refused exactly as in a tar entry (UNSAFE_PATH, exit 6).
 */
import { chmodSync, copyFileSync, constants, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { EntryGuard, ZPA_ROOTS, parseZpaManifest, type ZpaPath, type ZpaRoot, type ZpaScope } from '../archive/index.ts'
import { ZoiError } from '../errors.ts'
import type { Scope } from '../platform/layout.ts'
import type { Report } from '../progress.ts'

export const ZPA_MANIFEST = 'manifest.json'

/**
 * If `extracted` holds a `.zpa` (a `manifest.json` at its root), write its `data/` tree for
 * `scope`; a `.pkg.tar.zst` is left as it is. Nothing outside `extracted` is touched.
 */
export function stageZpa(extracted: string, scope: Scope, subject: string, report: Report, fileHashes?: Map<string, string>): void {
  const manifestPath = join(extracted, ZPA_MANIFEST)
  if (!existsSync(manifestPath)) return
  // Both layouts at once would let one hide content from the other's checks.
  if (existsSync(join(extracted, 'data'))) throw new ZoiError('INTEGRITY', `${subject}: holds both manifest.json and data/; it is neither a .zpa nor a .pkg.tar.zst`)
  const manifest = parseZpaManifest(readFileSync(manifestPath, 'utf8'), subject)
  const chosen: [string, ZpaScope][] = []
  for (const [sub, scopes] of manifest.mappings) {
    const m = scopes.get(scope)
    if (m) chosen.push([sub, m])
    else report({ kind: 'warn', text: `${subject}: ${sub === '' ? 'the package' : `sub-package '${sub}'`} has nothing for ${scope} scope, skipping it` })
  }
  if (chosen.length === 0) {
    throw new ZoiError('REFUSED', `${subject}: the archive installs nothing in ${scope} scope (it maps ${[...new Set([...manifest.mappings.values()].flatMap((s) => [...s.keys()]))].join(', ') || 'no scope'})`, {
      hint: scope === 'user' ? 'install it with --scope system, or into another root with --root <dir>' : undefined,
    })
  }
  const uses = countPoolUses(chosen.map(([, m]) => m))
  for (const [sub, m] of chosen) {
    const base = sub === '' ? join(extracted, 'data') : join(extracted, 'data', sub)
    for (const root of ZPA_ROOTS) {
      const at = `data/${sub === '' ? '' : `${sub}/`}${root}/`
      // The content hashes taken while extracting follow each pool file to where it is placed.
      const placed = fileHashes && ((pool: string, rel: string) => void (fileHashes.has(`pool/${pool}`) && fileHashes.set(at + rel, fileHashes.get(`pool/${pool}`)!)))
      placeRoot(extracted, join(base, root), only(m, root), uses, `${subject} (\${${root}}${sub ? ` of '${sub}'` : ''})`, placed)
    }
  }
}

/** The entries of one placeholder root, with Zoi's quirk dirs (`${pkgstore}/pkgstore`, …) dropped. */
function only(m: ZpaScope, root: ZpaRoot): ZpaScope {
  const inRoot = (p: ZpaPath) => p.root === root
  const files = m.files.filter((f) => inRoot(f.dest))
  const symlinks = m.symlinks.filter((l) => inRoot(l.link))
  const used = [...files.map((f) => f.dest.rel), ...symlinks.map((l) => l.link.rel)]
  // Zoi's builder records its own staging folders as `${pkgstore}/<folder>`: empty artefacts.
  const quirk = (rel: string) => root === 'pkgstore' && ['pkgstore', 'usrroot', 'usrhome', 'createpkgdir'].includes(rel) && !used.some((u) => u.startsWith(`${rel}/`))
  const dirs = m.dirs.filter((d) => inRoot(d.path) && d.path.rel !== '' && !quirk(d.path.rel))
  return { files, symlinks, dirs }
}

function placeRoot(extracted: string, dest: string, m: ZpaScope, uses: Map<string, number>, subject: string, placed?: (pool: string, rel: string) => void): void {
  if (m.files.length + m.symlinks.length + m.dirs.length === 0) return
  // The same checks as tar entries, in install order: dirs, files, then links.
  const guard = new EntryGuard(subject)
  for (const d of m.dirs) guard.admit({ path: d.path.rel, type: 'directory', mode: d.mode, size: 0 })
  for (const f of m.files) guard.admit({ path: f.dest.rel, type: 'file', mode: f.mode, size: 0 })
  for (const l of m.symlinks) guard.admit({ path: l.link.rel, type: 'symlink', mode: 0o777, size: 0, linkTarget: l.target })

  mkdirSync(dest, { recursive: true })
  const parent = (rel: string) => {
    const cut = rel.lastIndexOf('/')
    if (cut > 0) mkdirSync(join(dest, rel.slice(0, cut)), { recursive: true })
  }
  for (const d of m.dirs) mkdirSync(join(dest, d.path.rel), { recursive: true })
  for (const f of m.files) {
    const pool = join(extracted, 'pool', f.pool)
    if (!isRegularFile(pool)) {
      throw new ZoiError('INTEGRITY', `${subject}: pool file 'pool/${f.pool}' for '${f.dest.rel}' is missing from the archive`, { hint: 'the .zpa archive is incomplete; fetch it again' })
    }
    parent(f.dest.rel)
    const target = join(dest, f.dest.rel)
    // The last use of a pool file takes it over; earlier ones copy it (never a shared inode).
    const left = (uses.get(f.pool) ?? 1) - 1
    uses.set(f.pool, left)
    if (left === 0) renameSync(pool, target)
    else copyFileSync(pool, target, constants.COPYFILE_EXCL)
    chmodSync(target, f.mode)
    placed?.(f.pool, f.dest.rel)
  }
  for (const l of m.symlinks) {
    parent(l.link.rel)
    symlinkSync(l.target, join(dest, l.link.rel))
  }
  // Directory modes last, deepest first: a read-only folder must not block its own children.
  for (const d of [...m.dirs].sort((a, b) => b.path.rel.length - a.path.rel.length)) chmodSync(join(dest, d.path.rel), d.mode)
}

function countPoolUses(scopes: ZpaScope[]): Map<string, number> {
  const uses = new Map<string, number>()
  for (const s of scopes) for (const f of s.files) uses.set(f.pool, (uses.get(f.pool) ?? 0) + 1)
  return uses
}

function isRegularFile(p: string): boolean {
  try {
    return lstatSync(p).isFile()
  } catch {
    return false
  }
}
