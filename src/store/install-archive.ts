/**
 * Installing one verified archive into a root: the transaction of SPEC §7 steps 4–5.
 *
 * Order, and why: extract into staging on the store's filesystem (nothing visible yet) → plan
 * every target and check conflicts (still nothing changed) → write the journal → move into
 * place, point `latest`, link bins → record it all in ONE db transaction (the commit point)
 * → delete what a replaced version left behind → delete the journal. A failure before the
 * commit undoes the journal; a crash is undone by `recoverInterrupted` on the next run.
 * The caller holds the root lock and has verified the archive's hash.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { extractArchive } from '../archive/index.ts'
import { ZoiError, describeError, errnoCode, isZoiError } from '../errors.ts'
import type { Layout } from '../platform/layout.ts'
import { makeStagingDir } from '../platform/fs.ts'
import { silent, type Report } from '../progress.ts'
import { carryStoreBackups } from './backup-files.ts'
import { InstalledDb } from './installed-db.ts'
import type { InstalledRow, InstallReason, OwnedFile, PackageRecord } from './installed-schema.ts'
import { newTxid, removeJournal, SimulatedCrash, writeJournal, type Journal, type Step } from './journal.ts'
import { doStep, rollBack, rollForward } from './journal-steps.ts'
import { planCleanup, planLinks, planOutside, planVersionFolder } from './plan-install.ts'
import { STAGE_PREFIX } from './recover.ts'
import { stageArchive, walkTree, type StagedArchive } from './staged-archive.ts'
import { writeStoreManifest } from './store-manifest.ts'
import { formatKey, packageDir, packageDirName } from './store-paths.ts'
import { TargetPlanner } from './target-planner.ts'

/** What the caller resolved about the package being installed. */
export interface InstallRecord {
  handle: string
  repo: string
  name: string
  version: string
  platform: string
  revision?: string
  reason?: InstallReason
  /** Sub-packages to install; empty = the whole archive (the caller applies `main_subs`). */
  subs?: string[]
  bins?: string[]
  backup?: string[]
  /** Raw runtime dependency strings. */
  dependencies?: string[]
  provides?: string[]
  conflicts?: string[]
  replaces?: string[]
  installMethod?: string
  /** The definition at the archive root; default `<name>.pkg.lua`. */
  definitionFile?: string
  archiveSha512?: string | null
}

/** Points where tests simulate a crash (SIGKILL): nothing after it runs, not even cleanup. */
export type FaultPoint = 'after-journal' | 'after-move' | 'after-bins' | 'before-commit' | 'after-commit'

export interface InstallArchiveOptions {
  layout: Layout
  archivePath: string
  record: InstallRecord
  report?: Report
  /**
   * A staging folder from `extractForInstall` for this archive (extracted ahead of time, e.g.
   * in parallel with other installs); this install takes it over and removes it.
   */
  staged?: string
  /** Tests only. */
  faultAt?: FaultPoint
}

/**
 * Extracts an archive into a fresh staging folder of the root (same filesystem as the store),
 * ready for `installArchive({ staged })`. Nothing in the root changes; a crash leaves only a
 * staging folder, which `recoverInterrupted` removes. On failure the folder is removed.
 */
export async function extractForInstall(layout: Layout, archivePath: string, onProgress?: (bytes: number) => void): Promise<string> {
  const stage = await makeStagingDir(layout.tmpDir, STAGE_PREFIX)
  try {
    await extractArchive(archivePath, join(stage, 'archive'), { onProgress })
    return stage
  } catch (e) {
    await rm(stage, { recursive: true, force: true })
    throw e
  }
}

export async function installArchive(options: InstallArchiveOptions): Promise<InstalledRow> {
  const { layout, archivePath, report = silent } = options
  const txid = newTxid()
  const record = completeRecord(options.record, txid)
  const subject = `${formatKey(record)}@${record.version}`
  const fault = (point: FaultPoint) => {
    if (options.faultAt === point) throw new SimulatedCrash(point)
  }
  const db = InstalledDb.open(layout.installedDb)
  let stage: string | null = null
  let crashed = false
  try {
    if (options.staged !== undefined) {
      stage = options.staged
    } else {
      stage = await makeStagingDir(layout.tmpDir, STAGE_PREFIX)
      report({ kind: 'phase', phase: 'extract', text: `extracting ${record.name} ${record.version}` })
      await extractArchive(archivePath, join(stage, 'archive'))
    }
    const { journal, files, moves } = await planInstall(layout, db, record, stage, options.record.definitionFile, subject, report)
    await writeJournal(layout, journal)
    let row: InstalledRow
    try {
      fault('after-journal')
      report({ kind: 'phase', phase: 'commit', text: `installing ${record.name} ${record.version}`, total: journal.steps.length })
      await applySteps(journal.steps.slice(0, moves), txid, 0, journal.steps.length, report)
      fault('after-move')
      await applySteps(journal.steps.slice(moves), txid, moves, journal.steps.length, report)
      fault('after-bins')
      fault('before-commit')
      row = db.commitInstall(record, files)
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
      report({ kind: 'warn', text: `${subject} is installed; removing its old files failed (${describeError(e)}), the next zoi run finishes it` })
    }
    return row
  } catch (e) {
    crashed = e instanceof SimulatedCrash
    throw crashed ? e : toInstallError(e, subject)
  } finally {
    db.close()
    // After a (simulated) crash the staging folder stays, as it would: recovery removes it.
    if (stage !== null && !crashed) await rm(stage, { recursive: true, force: true })
  }
}

interface PlannedInstall {
  journal: Journal
  files: OwnedFile[]
  /** Steps up to here move content into place; the rest are links. */
  moves: number
}

/** Everything up to the journal: nothing in the root has changed when this returns or throws. */
async function planInstall(layout: Layout, db: InstalledDb, record: PackageRecord, stage: string, definitionName: string | undefined, subject: string, report: Report): Promise<PlannedInstall> {
  const definitionFile = definitionName ?? `${record.name}.pkg.lua`
  const staged = stageArchive(join(stage, 'archive'), join(stage, 'version'), record.subs, definitionFile, report)
  refuseSystemFilesInUserScope(layout, record, staged)

  const planner = new TargetPlanner(layout, db, db.getByKey(record), record.txid)
  const previous = planner.previous
  const hashes = await carryStoreBackups({
    backup: record.backup,
    staged: walkTree(staged.versionDir),
    oldVersionDir: previous ? join(packageDir(layout, record), previous.version) : null,
    oldFiles: planner.oldFiles,
    oldPrefix: previous ? `${packageDirName(record)}/${previous.version}` : '',
    report,
  })
  const storeEntries = walkTree(staged.versionDir)
  const outside = [...staged.usrroot, ...staged.usrhome].filter((e) => e.type === 'file')
  record.installedSize = [...storeEntries, ...outside].reduce((sum, e) => sum + e.size, 0)
  // Written while still staged, so the version folder appears in the store complete.
  await writeStoreManifest(staged.versionDir, {
    record,
    scope: layout.scope,
    installedFiles: placeholders(staged, [
      ...storeEntries.filter((e) => e.type !== 'dir').map((e) => e.rel),
      ...(staged.definition ? [definitionFile] : []),
    ]),
    definition: staged.definition ? { path: staged.definition, name: definitionFile } : null,
  })

  const entries = walkTree(staged.versionDir)
  const pkgDir = planVersionFolder(planner, record, record.version, staged.versionDir, entries, hashes)
  await planOutside(planner, 'usrroot', layout.usrRoot, staged.usrroot, record.backup, report)
  await planOutside(planner, 'usrhome', layout.usrHome, staged.usrhome, record.backup, report)
  const moves = planner.steps.length
  planLinks(planner, pkgDir, record.version, record.bins, entries, report)
  planner.throwConflicts(record.name)
  const after = await planCleanup(planner, pkgDir, record.version)
  return { journal: { txid: record.txid, action: 'install', subject, steps: planner.steps, after }, files: planner.files, moves }
}

async function applySteps(steps: readonly Step[], txid: string, done: number, total: number, report: Report): Promise<void> {
  for (const [i, step] of steps.entries()) {
    await doStep(step, txid)
    report({ kind: 'advance', phase: 'commit', loaded: done + i + 1, total, item: step.path, unit: 'files' })
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/

function completeRecord(r: InstallRecord, txid: string): PackageRecord {
  if (!NAME.test(r.name)) throw new ZoiError('UNSAFE_PATH', `'${r.name}' cannot be a package name`)
  if (!NAME.test(r.version) || r.version === 'latest') {
    throw new ZoiError('UNSAFE_PATH', `version '${r.version}' of '${r.name}' cannot be a folder name in the store`)
  }
  return {
    handle: r.handle,
    repo: r.repo,
    name: r.name,
    version: r.version,
    revision: r.revision ?? '1',
    platform: r.platform,
    reason: r.reason ?? 'direct',
    subs: r.subs ?? [],
    bins: r.bins ?? [],
    backup: r.backup ?? [],
    dependencies: r.dependencies ?? [],
    provides: r.provides ?? [],
    conflicts: r.conflicts ?? [],
    replaces: r.replaces ?? [],
    installMethod: r.installMethod ?? 'pre-compiled',
    archiveSha512: r.archiveSha512 ?? null,
    installedSize: 0,
    txid,
  }
}

function refuseSystemFilesInUserScope(layout: Layout, record: PackageRecord, staged: StagedArchive): void {
  if (layout.scope !== 'user' || staged.usrroot.length === 0) return
  throw new ZoiError('REFUSED', `'${record.name}' installs files into the system root (data/usrroot), which user scope does not allow`, {
    hint: 'install it with --scope system, or into another root with --root <dir>',
    data: { files: staged.usrroot.map((e) => `usrroot/${e.rel}`) },
  })
}

function placeholders(staged: StagedArchive, storeFiles: readonly string[]): string[] {
  return [
    ...storeFiles.map((rel) => `\${pkgstore}/${rel}`),
    ...staged.usrroot.filter((e) => e.type !== 'dir').map((e) => `\${usrroot}/${e.rel}`),
    ...staged.usrhome.filter((e) => e.type !== 'dir').map((e) => `\${usrhome}/${e.rel}`),
  ]
}

function toInstallError(e: unknown, subject: string): unknown {
  if (isZoiError(e)) return e
  const code = errnoCode(e)
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new ZoiError('PERMISSION', `cannot install ${subject}: ${describeError(e)}`, { hint: 'run as a user who can write there, or use --root', cause: e })
  }
  return new ZoiError('INTERNAL', `installing ${subject} failed: ${describeError(e)}`, { cause: e })
}
