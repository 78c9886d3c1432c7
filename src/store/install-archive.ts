/**
 * One archive of an install changeset (changeset.ts), up to its journal: extract it into
 * staging on the store's filesystem (nothing visible yet), gather the version folder, write its
 * manifest, and plan every target into the set's steps with conflicts checked. Nothing in the
 * root changes here. The caller holds the root lock and has verified the archive's hash, or
 * extracted it with `extractForInstall({ expect })`, which checks it in the same read.
 */
import { lstatSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { extractArchive, type ExpectedHash, type ExtractThread } from '../archive/index.ts'
import { ZoiError, describeError, errnoCode, isZoiError } from '../errors.ts'
import type { Layout } from '../platform/layout.ts'
import { makeStagingDir } from '../platform/fs.ts'
import type { Report } from '../progress.ts'
import { carryStoreBackups } from './backup-files.ts'
import type { Snapshot } from './file-checks.ts'
import { noSpaceError } from './free-space.ts'
import type { InstalledDb } from './installed-db.ts'
import type { InstallReason, OwnedFile, PackageRecord } from './installed-schema.ts'
import type { AfterStep } from './journal.ts'
import { planCleanup, planLinks, planOutside, planVersionFolder, type CheckOf } from './plan-install.ts'
import { STAGE_PREFIX } from './recover.ts'
import { stageArchive, walkTree, type StagedArchive, type StagedEntry, type WrittenFile } from './staged-archive.ts'
import { stageZpa } from './staged-zpa.ts'
import { writeStoreManifest } from './store-manifest.ts'
import { formatKey, packageDir, packageDirName } from './store-paths.ts'
import { TargetPlanner, type SetPlan } from './target-planner.ts'

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
   * This archive extracted by `extractForInstall` ahead of time (e.g. in parallel with other
   * installs); this install takes its staging folder over and removes it.
   */
  staged?: ExtractedArchive
  /** Tests only. */
  faultAt?: FaultPoint
}

/** An archive extracted into a staging folder of the root, ready to be planned and committed. */
export interface ExtractedArchive {
  /** The staging folder; the archive's content is in `<stage>/archive`. */
  stage: string
  /** sha256 of every regular file, by archive path, taken as it was written. */
  fileHashes: Map<string, string>
  /** Size and mode of every regular file (and hard link), by archive path, as written from its header. */
  writtenFiles: ReadonlyMap<string, WrittenFile>
}

/**
 * Extracts an archive into a fresh staging folder of the root (same filesystem as the store),
 * ready for `installArchive({ staged })`, in ONE read of the archive: with `expect`, the
 * archive's checksum is taken while it is decoded, and a mismatch (known only at the end)
 * leaves nothing behind, the staging folder included (INTEGRITY). Nothing in the root changes;
 * a crash leaves only a staging folder, which `recoverInterrupted` removes. With `thread`, the
 * extraction runs on that thread (the same reader, checks and cleanup).
 */
export async function extractForInstall(
  layout: Layout,
  archivePath: string,
  options: { onProgress?: (bytes: number) => void; expect?: ExpectedHash & { source?: string }; thread?: ExtractThread } = {},
): Promise<ExtractedArchive> {
  const stage = await makeStagingDir(layout.tmpDir, STAGE_PREFIX)
  try {
    const { thread, ...rest } = options
    const extract = thread ? thread.extract.bind(thread) : extractArchive
    const { entries, fileHashes } = await extract(archivePath, join(stage, 'archive'), { ...rest, fileHashes: true })
    const written = new Map<string, WrittenFile>()
    for (const e of entries) {
      // A hard link is its earlier file: the same inode, so the same size and mode.
      const file = e.type === 'file' ? e : e.type === 'hardlink' ? written.get(e.linkTarget as string) : undefined
      if (file) written.set(e.path, { size: file.size, mode: file.mode })
    }
    return { stage, fileHashes: fileHashes!, writtenFiles: written }
  } catch (e) {
    await rm(stage, { recursive: true, force: true })
    throw e
  }
}

export interface PlannedPackage {
  record: PackageRecord
  files: OwnedFile[]
  /** What the replaced version leaves to delete once the set has committed. */
  after: AfterStep[]
  /** Index in the set's steps where this package's links begin (its moves come before). */
  links: number
  /** Snapshots of its files known from the extraction (file-checks.ts), by `checkKey`. */
  checks: ReadonlyMap<string, Snapshot>
}

/**
 * Plan one package of a set into the shared steps: nothing in the root has changed when this
 * returns or throws.
 */
export async function planInstall(layout: Layout, db: InstalledDb, set: SetPlan, record: PackageRecord, extracted: ExtractedArchive, definitionName: string | undefined, report: Report): Promise<PlannedPackage> {
  const { stage, fileHashes, writtenFiles } = extracted
  const definitionFile = definitionName ?? `${record.name}.pkg.lua`
  stageZpa(join(stage, 'archive'), layout.scope, `${formatKey(record)}@${record.version}`, report, fileHashes)
  const staged = stageArchive(join(stage, 'archive'), join(stage, 'version'), record.subs, definitionFile, report, (path) => writtenFiles.get(path))
  refuseSystemFilesInUserScope(layout, record, staged)

  const planner = new TargetPlanner(layout, db, db.getByKey(record), record.txid, record.name, set)
  const previous = planner.previous
  const walked = walkTree(staged.versionDir, (rel) => firstOf(staged.storeSources, (s) => writtenFiles.get(s + rel)))
  const hashes = await carryStoreBackups({
    backup: record.backup,
    staged: walked,
    oldVersionDir: previous ? join(packageDir(layout, record), previous.version) : null,
    oldFiles: planner.oldFiles,
    oldPrefix: previous ? `${packageDirName(record)}/${previous.version}` : '',
    report,
  })
  // The tree is walked once: again (a stat per entry, the files carried over changed) only when backup files were carried over.
  const storeEntries = hashes.size > 0 ? walkTree(staged.versionDir) : walked
  const outside = [...staged.usrroot, ...staged.usrhome].filter((e) => e.type === 'file')
  record.installedSize = [...storeEntries, ...outside].reduce((sum, e) => sum + e.size, 0)
  // Written while still staged, so the version folder appears in the store complete.
  const written = await writeStoreManifest(staged.versionDir, {
    record,
    scope: layout.scope,
    installedFiles: placeholders(staged, [
      ...storeEntries.filter((e) => e.type !== 'dir').map((e) => e.rel),
      ...(staged.definition ? [definitionFile] : []),
    ]),
    definition: staged.definition ? { path: staged.definition, name: definitionFile } : null,
  })
  const entries = [...storeEntries, ...written.map((name) => stagedFile(staged.versionDir, name))]
  const storeCheck: CheckOf = (e) => fileCheck(e, firstOf(staged.storeSources, (s) => fileHashes.get(s + e.rel)))
  const outsideCheck: CheckOf = (e) => fileCheck(e, fileHashes.get(relative(join(stage, 'archive'), e.src).split(sep).join('/')))
  const pkgDir = planVersionFolder(planner, record, record.version, staged.versionDir, entries, hashes, storeCheck)
  await planOutside(planner, 'usrroot', layout.usrRoot, staged.usrroot, record.backup, report, outsideCheck)
  await planOutside(planner, 'usrhome', layout.usrHome, staged.usrhome, record.backup, report, outsideCheck)
  const links = planner.steps.length
  planLinks(planner, pkgDir, record.version, record.bins, entries, report)
  planner.throwConflicts(record.name)
  const after = await planCleanup(planner, pkgDir, record.version)
  return { record, files: planner.files, after, links, checks: planner.checks }
}

/** The first value `get` finds, trying the prefixes in order. */
function firstOf<T>(prefixes: readonly string[], get: (prefix: string) => T | undefined): T | undefined {
  for (const prefix of prefixes) {
    const got = get(prefix)
    if (got !== undefined) return got
  }
  return undefined
}

function stagedFile(dir: string, name: string): StagedEntry {
  const src = join(dir, name)
  const st = lstatSync(src)
  return { rel: name, type: 'file', src, size: st.size, mode: st.mode & 0o7777 }
}

/** A regular file's snapshot from the hash taken while extracting it, when one was. */
function fileCheck(e: StagedEntry, sha256: string | undefined): Snapshot | undefined {
  return e.type === 'file' && sha256 !== undefined ? { type: 'file', sha256, mode: e.mode, target: null } : undefined
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/

export function completeRecord(r: InstallRecord, txid: string): PackageRecord {
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

export function toInstallError(e: unknown, subject: string): unknown {
  if (isZoiError(e)) return e
  const full = noSpaceError(e, subject)
  if (full !== e) return full
  const code = errnoCode(e)
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new ZoiError('PERMISSION', `cannot install ${subject}: ${describeError(e)}`, { hint: 'run as a user who can write there, or use --root', cause: e })
  }
  return new ZoiError('INTERNAL', `installing ${subject} failed: ${describeError(e)}`, { cause: e })
}
