/**
 * The install plan, made before anything in the root changes: the version folder, the
 * `usrroot`/`usrhome` entries, `latest` and the bin links, in journal order, plus the rows to
 * record and what the replaced version leaves to delete after the commit.
 */
import { existsSync, readlinkSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { hashFile } from '../archive/index.ts'
import { ZoiError } from '../errors.ts'
import type { Report } from '../progress.ts'
import { contentHash, decideBackup, isBackupFile } from './backup-files.ts'
import type { Snapshot } from './file-checks.ts'
import type { AfterStep } from './journal.ts'
import { removalSteps } from './removal-steps.ts'
import type { StagedEntry } from './staged-archive.ts'
import { entryPath, isInside, kindBase, packageDirName, resolvedPath, type PackageKey } from './store-paths.ts'
import type { TargetPlanner } from './target-planner.ts'

/** Plan the move of the staged version folder to `<store>/<id32>-<name>/<version>`; returns the package folder. */
export function planVersionFolder(
  planner: TargetPlanner,
  key: PackageKey,
  version: string,
  staged: string,
  entries: readonly StagedEntry[],
  hashes: ReadonlyMap<string, string>,
  checkOf: CheckOf,
): string {
  const pkgDir = join(resolvedPath(planner.layout.storeDir), packageDirName(key))
  planner.ensureFolder(pkgDir)
  const target = join(pkgDir, version)
  // The store is zoi's own: a version folder already there (a reinstall, or debris) is replaced.
  planner.place(target, staged, existsSync(target) ? 'replace' : 'create')
  for (const e of entries) {
    if (e.type === 'dir') continue
    // A backup file may hold the user's carried-over content: it is read back after the commit.
    const hash = hashes.get(e.rel) ?? null
    planner.recordBelow(target, e.rel, e.type, hash, hash === null ? checkOf(e) : undefined)
  }
  return pkgDir
}

/** Plan `usrroot` (or `usrhome`) entries into `base`, honouring `backup` on a reinstall or upgrade. */
/** The snapshot of a staged entry known from its extraction, if any. */
export type CheckOf = (e: StagedEntry) => Snapshot | undefined

export async function planOutside(
  planner: TargetPlanner,
  kind: 'usrroot' | 'usrhome',
  base: string,
  entries: readonly StagedEntry[],
  backup: readonly string[],
  report: Report,
  checkOf: CheckOf,
): Promise<void> {
  const layout = planner.layout
  const privateDirs = [layout.storeDir, layout.dbDir, layout.tmpDir].map(resolvedPath)
  const realBase = kindBase(kind, layout)
  for (const e of entries) {
    const logical = join(base, ...e.rel.split('/'))
    const abs = e.type === 'dir' ? resolvedPath(logical) : entryPath(logical)
    if (privateDirs.some((d) => isInside(abs, d))) {
      throw new ZoiError('UNSAFE_PATH', `${kind}/${e.rel} would land in zoi's own folders (${abs})`)
    }
    // Judged on the filesystem as installed, not on the archive alone: a symlink already there
    // (left by an earlier version or another package) must not carry a write out of the base.
    if (!isInside(abs, realBase)) {
      throw new ZoiError('UNSAFE_PATH', `${kind}/${e.rel} would be written outside ${realBase}, to ${abs}`, {
        hint: `a folder on the way is a symlink leading out of ${realBase}; remove it or point it inside`,
      })
    }
    if (e.type === 'link') refuseEscapingLink(kind, e, abs, realBase, planner.layout.root)
    if (e.type === 'dir') {
      planner.useFolder(abs, e.mode)
      continue
    }
    const placement = planner.claim(abs)
    const hash = e.type === 'file' && isBackupFile(backup, kind, e.rel) ? await hashFile(e.src, 'sha256') : null
    if (hash !== null && placement === 'replace') {
      const recorded = planner.oldFiles.get(locationKey(planner, abs))?.hash ?? null
      const decision = decideBackup(await contentHash(abs), recorded, hash)
      if (decision !== 'replace') {
        if (decision === 'zoinew') {
          const beside = `${abs}.zoinew`
          planner.place(beside, e.src, existsSync(beside) ? 'replace' : 'create')
          report({ kind: 'warn', text: `${abs} was modified: the new version is saved as ${beside}` })
        }
        planner.record(abs, 'file', hash)
        continue
      }
    }
    planner.place(abs, e.src, placement)
    planner.record(abs, e.type, hash, hash === null ? checkOf(e) : undefined)
  }
}

/** A link shipped in `usrroot`/`usrhome` must point inside its base (absolute targets are read inside `--root`). */
function refuseEscapingLink(kind: string, e: StagedEntry, abs: string, realBase: string, root: string | null): void {
  const target = readlinkSync(e.src)
  const lexical = isAbsolute(target) ? join(root ?? '/', target) : resolve(dirname(abs), target)
  const points = resolvedPath(lexical)
  if (isInside(points, realBase)) return
  throw new ZoiError('UNSAFE_PATH', `${kind}/${e.rel} is a symlink to '${target}', which leads out of ${realBase}`, {
    hint: 'the package is broken or hostile; report it to its maintainer',
  })
}

/** Plan `latest → <version>` and one relative bin link per found `bins` entry. */
export function planLinks(planner: TargetPlanner, pkgDir: string, version: string, bins: readonly string[], entries: readonly StagedEntry[], report: Report): void {
  const latest = join(pkgDir, 'latest')
  planner.link(latest, version)
  planner.record(latest, 'link')
  const binDir = resolvedPath(planner.layout.binDir)
  for (const bin of [...new Set(bins)]) {
    if (!/^[^/\\]+$/.test(bin) || bin === '.' || bin === '..') {
      throw new ZoiError('UNSAFE_PATH', `bin '${bin}' is not a plain file name`)
    }
    const found = findBin(entries, bin)
    if (!found) {
      report({ kind: 'warn', text: `could not find binary '${bin}' to link` })
      continue
    }
    planner.ensureFolder(binDir)
    const link = join(binDir, bin)
    planner.claim(link)
    // Relative, through `latest`: the link survives upgrades, a chroot, and the root being moved.
    planner.link(link, relative(binDir, join(latest, ...found.rel.split('/'))))
    planner.record(link, 'link')
  }
}

/** After the commit: delete what the replaced version had and the new one does not. */
export async function planCleanup(planner: TargetPlanner, pkgDir: string, version: string): Promise<AfterStep[]> {
  const previous = planner.previous
  if (!previous) return []
  const kept = new Set(planner.files.map((f) => `${f.kind}/${f.path}`))
  const dropped = [...planner.oldFiles.entries()].filter(([key]) => !kept.has(key)).map(([, f]) => f)
  const steps = await removalSteps(planner.layout, planner.db, previous, dropped)
  if (previous.version !== version) steps.unshift({ op: 'rm', path: join(pkgDir, previous.version) })
  return steps
}

/** The first regular file called `name`, shallowest first, then in name order. */
function findBin(entries: readonly StagedEntry[], name: string): StagedEntry | undefined {
  const depth = (e: StagedEntry) => e.rel.split('/').length
  return entries
    .filter((e) => e.type === 'file' && (e.rel === name || e.rel.endsWith(`/${name}`)))
    .sort((a, b) => depth(a) - depth(b) || (a.rel < b.rel ? -1 : 1))[0]
}

function locationKey(planner: TargetPlanner, abs: string): string {
  const at = planner.locationOf(abs)
  return `${at.kind}/${at.path}`
}

