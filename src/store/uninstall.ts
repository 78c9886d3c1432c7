/**
 * Removing installed packages, and listing their files. A removal is a changeset (changeset.ts)
 * like an install: the names are resolved together (an unknown one fails the whole command
 * before anything changes), packages that still need one of them are refused unless they leave
 * too, the journal names what will be deleted, the db rows go in one transaction (the commit
 * point), then the files. A crash before the commit changed nothing; after it,
 * `recoverInterrupted` finishes the deletions. The caller holds the root lock.
 */
import { join } from 'node:path'
import { ZoiError } from '../errors.ts'
import type { Layout } from '../platform/layout.ts'
import type { Report } from '../progress.ts'
import { InstalledDb } from './installed-db.ts'
import type { InstalledRow } from './installed-schema.ts'
import type { AfterStep } from './journal.ts'
import { removalSteps } from './removal-steps.ts'
import { kindBase, packageDirName } from './store-paths.ts'

export interface RemovalRequest {
  name: string
  handle?: string
}

export interface UninstallOptions {
  layout: Layout
  name: string
  handle?: string
  /** Remove it even though installed packages depend on it. */
  force?: boolean
  report?: Report
  /** Tests only: stop as if killed there. */
  faultAt?: UninstallFaultPoint
}

export type UninstallFaultPoint = 'after-journal' | 'after-commit'

export interface UninstallResult {
  removed: InstalledRow
  /** Modified backup files kept as `<file>.zoisave`. */
  saved: string[]
  /** Packages that depended on it and stay installed (only non-empty with `force`). */
  brokenDependents: string[]
}

export interface PlannedRemoval {
  pkg: InstalledRow
  after: AfterStep[]
  result: UninstallResult
}

/**
 * Resolve every name, then check and plan the removal of them all; throws before anything
 * changes. Packages of the set may depend on each other: only dependents that stay count.
 */
export async function planRemovals(layout: Layout, db: InstalledDb, requests: readonly RemovalRequest[], force: boolean, report: Report): Promise<PlannedRemoval[]> {
  const pkgs = [...new Map(requests.map((r) => requireInstalled(db, r.name, r.handle)).map((p) => [p.id, p])).values()]
  const leaving = new Set(pkgs.map((p) => p.id))
  const planned: PlannedRemoval[] = []
  for (const pkg of pkgs) {
    const dependents = neededBy(db, pkg)
      .filter((d) => !leaving.has(d.id))
      .map((p) => p.name)
    if (dependents.length > 0 && !force) {
      throw new ZoiError('REFUSED', `cannot uninstall '${pkg.name}': ${dependents.join(', ')} ${dependents.length === 1 ? 'depends' : 'depend'} on it`, {
        hint: `uninstall ${dependents.join(', ')} too (in the same command), or use --force`,
        data: { dependents },
      })
    }
    if (dependents.length > 0) report({ kind: 'warn', text: `removing '${pkg.name}' breaks ${dependents.join(', ')}` })
    const after = await removalSteps(layout, db, pkg, db.filesOf(pkg), leaving)
    after.push({ op: 'rm', path: join(kindBase('pkgstore', layout), packageDirName(pkg)) })
    const saved = after.filter((s) => s.op === 'save').map((s) => `${s.path}.zoisave`)
    planned.push({ pkg, after, result: { removed: pkg, saved, brokenDependents: dependents } })
  }
  return planned
}

/** Absolute paths of the files and links a package installed, for this layout. */
export function listFiles(options: { layout: Layout; name: string; handle?: string }): string[] {
  const db = InstalledDb.openForReading(options.layout.installedDb)
  try {
    const pkg = requireInstalled(db, options.name, options.handle)
    return db
      .filesOf(pkg, options.layout)
      .filter((f) => f.type !== 'dir')
      .map((f) => f.absolute as string)
      .sort()
  } finally {
    db.close()
  }
}

function requireInstalled(db: InstalledDb, name: string, handle?: string): InstalledRow {
  const pkg = db.get(name, handle === undefined ? {} : { handle })
  if (!pkg) throw new ZoiError('NOT_FOUND', `package '${name}' is not installed`, { hint: "'zoi list' shows what is installed" })
  return pkg
}

/**
 * Installed packages that need `pkg`: they depend on its name, or on a name it provides that
 * no other installed package is or provides.
 */
function neededBy(db: InstalledDb, pkg: InstalledRow): InstalledRow[] {
  const others = db.list().filter((p) => p.id !== pkg.id)
  const needing = new Map<number, InstalledRow>()
  for (const name of [pkg.name, ...pkg.provides]) {
    const elsewhere = others.some((o) => o.name === name || o.provides.includes(name))
    if (name !== pkg.name && elsewhere) continue
    for (const d of db.dependentsOf(name)) if (d.id !== pkg.id) needing.set(d.id, d)
  }
  return [...needing.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
}
