/**
 * One change to a root, checked whole, then committed (apk's model): the packages to install
 * and the packages to remove form ONE changeset with ONE journal and ONE db transaction.
 *
 * Order, and why: extract every archive into staging on the store's filesystem (nothing
 * visible yet) → plan every target of every package, with conflicts inside the set and against
 * the root checked (still nothing changed; a refusal leaves the root exactly as it was) →
 * write the journal → move everything into place, point `latest`, link bins → record all of it
 * in ONE db transaction, with the changeset's txid (the commit point) → delete what replaced or
 * removed versions leave → delete the journal. A failure before the commit undoes the whole
 * journal; a crash is rolled back or forward as a whole by `recoverInterrupted`.
 * The caller holds the root lock, ran recovery, and verified the archives' hashes (install does
 * that while extracting: `extractForInstall({ expect })`, one read per archive).
 */
import { rm } from 'node:fs/promises'
import { describeError } from '../errors.ts'
import type { Layout } from '../platform/layout.ts'
import { silent, type Report } from '../progress.ts'
import { recordFileChecks } from './file-checks.ts'
import {
  completeRecord,
  extractForInstall,
  planInstall,
  toInstallError,
  type ExtractedArchive,
  type FaultPoint,
  type InstallArchiveOptions,
  type InstallRecord,
  type PlannedPackage,
} from './install-archive.ts'
import { InstalledDb } from './installed-db.ts'
import type { InstalledRow } from './installed-schema.ts'
import { newTxid, removeJournal, SimulatedCrash, writeJournal, type Journal } from './journal.ts'
import { doStep, rollBack, rollForward } from './journal-steps.ts'
import { formatKey } from './store-paths.ts'
import { SetPlan } from './target-planner.ts'
import { planRemovals, type RemovalRequest, type UninstallOptions, type UninstallResult } from './uninstall.ts'

export interface ChangesetInstall {
  archivePath: string
  record: InstallRecord
  /** The archive extracted by `extractForInstall`; the changeset takes its staging folder over and removes it. */
  staged?: ExtractedArchive
}

export interface ChangesetOptions {
  layout: Layout
  /** In order, dependencies first. */
  installs?: readonly ChangesetInstall[]
  removals?: readonly RemovalRequest[]
  /** Removals: go ahead although packages that stay depend on them. */
  force?: boolean
  /** Check and plan only (removals); nothing changes. */
  dryRun?: boolean
  report?: Report
  /** Tests only: stop as if killed there. */
  faultAt?: FaultPoint
}

export interface ChangesetResult {
  installed: InstalledRow[]
  removed: UninstallResult[]
}

export async function applyChangeset(options: ChangesetOptions): Promise<ChangesetResult> {
  const { layout, report = silent } = options
  const installs = options.installs ?? []
  const txid = newTxid()
  const fault = (point: FaultPoint) => {
    if (options.faultAt === point) throw new SimulatedCrash(point)
  }
  const stages = installs.map((i) => i.staged ?? null)
  const db = InstalledDb.open(layout.installedDb)
  let subject = installs.map((i) => `${i.record.name}@${i.record.version}`).join(', ')
  let crashed = false
  try {
    const removals = await planRemovals(layout, db, options.removals ?? [], Boolean(options.force), report)
    if (options.dryRun) return { installed: [], removed: removals.map((r) => r.result) }
    const replaced = installs.map((i) => db.getByKey(i.record)?.id).filter((id) => id !== undefined)
    const set = new SetPlan(new Set([...replaced, ...removals.map((r) => r.pkg.id)]))
    const planned: PlannedPackage[] = []
    for (const [i, item] of installs.entries()) {
      // Row txids stay unique (one row each); the changeset's own txid marks the commit.
      const record = completeRecord(item.record, `${txid}.${i}`)
      let extracted = stages[i] ?? null
      if (extracted === null) {
        report({ kind: 'phase', phase: 'extract', text: `extracting ${record.name} ${record.version}` })
        extracted = stages[i] = await extractForInstall(layout, item.archivePath)
      }
      planned.push(await planInstall(layout, db, set, record, extracted, item.record.definitionFile, report))
    }
    const subjects = [...planned.map((p) => `${formatKey(p.record)}@${p.record.version}`), ...removals.map((r) => `${formatKey(r.pkg)}@${r.pkg.version}`)]
    subject = subjects.join(', ')
    // A file that moved to another package of the set is not the leaving package's to delete.
    const after = [...planned.flatMap((p) => p.after), ...removals.flatMap((r) => r.after)].filter((s) => !set.movedIn.has(s.path))
    const journal: Journal = { txid, action: 'change', subject, steps: set.steps, after }
    await writeJournal(layout, journal)
    let installed: InstalledRow[]
    try {
      fault('after-journal')
      // The journal names packages by key (recovery needs it); people get names and versions.
      const shown = [...planned.map((p) => `${p.record.name} ${p.record.version}`), ...removals.map((r) => `removing ${r.pkg.name} ${r.pkg.version}`)].join(', ')
      if (set.steps.length > 0) report({ kind: 'phase', phase: 'commit', text: `committing ${shown}`, total: set.steps.length })
      const firstLinks = planned[0]?.links ?? 0
      for (const [i, step] of set.steps.entries()) {
        if (i === firstLinks) fault('after-move')
        await doStep(step, txid)
        report({ kind: 'advance', phase: 'commit', loaded: i + 1, total: set.steps.length, item: step.path })
      }
      fault('after-bins')
      fault('before-commit')
      installed = db.commitChangeset(txid, planned, removals.map((r) => r.pkg))
    } catch (e) {
      if (e instanceof SimulatedCrash) throw e
      await rollBack(journal)
      await removeJournal(layout, journal)
      throw e
    }
    try {
      fault('after-commit')
      await rollForward(journal)
      await removeJournal(layout, journal)
    } catch (e) {
      if (e instanceof SimulatedCrash) throw e
      report({ kind: 'warn', text: `${subject}: committed; removing old files failed (${String(e)}), the next zoi run finishes it` })
    }
    recordChecks(db, layout, installed, planned, report)
    for (const r of removals) for (const file of r.result.saved) report({ kind: 'info', text: `kept your changes as ${file}` })
    return { installed, removed: removals.map((r) => r.result) }
  } catch (e) {
    crashed = e instanceof SimulatedCrash
    throw crashed ? e : toInstallError(e, subject)
  } finally {
    db.close()
    // After a (simulated) crash the staging folders stay, as they would: recovery removes them.
    if (!crashed) for (const extracted of stages) if (extracted !== null) await rm(extracted.stage, { recursive: true, force: true })
  }
}

/**
 * What each installed file looks like now, for `zoi check`: from the hashes taken while
 * extracting, so no file is read back. Informational: a failure is a warning, never a failed install.
 */
function recordChecks(db: InstalledDb, layout: Layout, installed: readonly InstalledRow[], planned: readonly PlannedPackage[], report: Report): void {
  const warn = (row: InstalledRow, e: unknown) => report({ kind: 'warn', text: `could not record file hashes of ${row.name} for 'zoi check': ${describeError(e)}` })
  try {
    recordFileChecks(db, layout, installed.map((row, i) => ({ row, files: planned[i]!.files, known: planned[i]!.checks })), warn)
  } catch (e) {
    for (const row of installed) warn(row, e)
  }
}

/** Install one archive: a changeset of one package, through the same checked commit path. */
export async function installArchive(options: InstallArchiveOptions): Promise<InstalledRow> {
  const { installed } = await applyChangeset({
    layout: options.layout,
    installs: [{ archivePath: options.archivePath, record: options.record, staged: options.staged }],
    report: options.report,
    faultAt: options.faultAt,
  })
  return installed[0]!
}

/** Remove one package: a changeset of one removal. */
export async function uninstallPackage(options: UninstallOptions): Promise<UninstallResult> {
  const { removed } = await applyChangeset({
    layout: options.layout,
    removals: [{ name: options.name, handle: options.handle }],
    force: options.force,
    report: options.report,
    faultAt: options.faultAt,
  })
  return removed[0]!
}
