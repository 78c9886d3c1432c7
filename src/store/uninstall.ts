/**
 * Removing an installed package, and listing its files. Like an install it is journaled: the
 * journal names what will be deleted, the db rows go in one transaction (the commit point),
 * then the files. A crash before the commit changed nothing; after it, `recoverInterrupted`
 * finishes the deletions. The caller holds the root lock.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ZoiError } from '../errors.ts'
import type { Layout } from '../platform/layout.ts'
import { silent, type Report } from '../progress.ts'
import { InstalledDb } from './installed-db.ts'
import type { InstalledRow } from './installed-schema.ts'
import { removeJournal, SimulatedCrash, writeJournal, type Journal } from './journal.ts'
import { rollForward } from './journal-steps.ts'
import { removalSteps } from './removal-steps.ts'
import { formatKey, kindBase, packageDirName } from './store-paths.ts'

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
  /** Packages that depended on it (only non-empty with `force`). */
  brokenDependents: string[]
}

export async function uninstallPackage(options: UninstallOptions): Promise<UninstallResult> {
  const { layout, name, report = silent } = options
  const db = InstalledDb.open(layout.installedDb)
  try {
    const pkg = requireInstalled(db, name, options.handle)
    const dependents = neededBy(db, pkg).map((p) => p.name)
    if (dependents.length > 0 && !options.force) {
      throw new ZoiError('REFUSED', `cannot uninstall '${pkg.name}': ${dependents.join(', ')} ${dependents.length === 1 ? 'depends' : 'depend'} on it`, {
        hint: `uninstall ${dependents.join(', ')} first, or use --force`,
        data: { dependents },
      })
    }
    if (dependents.length > 0) report({ kind: 'warn', text: `removing '${pkg.name}' breaks ${dependents.join(', ')}` })

    const after = await removalSteps(layout, db, pkg, db.filesOf(pkg))
    after.push({ op: 'rm', path: join(kindBase('pkgstore', layout), packageDirName(pkg)) })
    const journal: Journal = { txid: pkg.txid, action: 'remove', subject: `${formatKey(pkg)}@${pkg.version}`, steps: [], after }
    await mkdir(layout.tmpDir, { recursive: true })
    const fault = (point: UninstallFaultPoint) => {
      if (options.faultAt === point) throw new SimulatedCrash(point)
    }
    await writeJournal(layout, journal)
    fault('after-journal')
    db.commitRemoval(pkg)
    fault('after-commit')
    await rollForward(journal)
    await removeJournal(layout, journal)
    const saved = after.filter((s) => s.op === 'save').map((s) => `${s.path}.zoisave`)
    for (const file of saved) report({ kind: 'info', text: `kept your changes as ${file}` })
    return { removed: pkg, saved, brokenDependents: dependents }
  } finally {
    db.close()
  }
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
