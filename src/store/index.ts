/**
 * Public surface of the store: the installed-package db, the install and uninstall
 * transactions, and crash recovery. Other modules import only from here.
 *
 * Contract for callers (ops/): hold the root lock (platform/lock.ts) around every mutating call,
 * call `recoverInterrupted(layout)` first, and verify archive hashes before `installArchive`.
 * The installed db records paths relative to the layout's bases (never absolute), so a root
 * keeps working when it is later entered with `chroot` or copied elsewhere.
 */
export { InstalledDb, type Owner } from './installed-db.ts'
export type { InstalledRow, InstallReason, OwnedFile, PackageRecord } from './installed-schema.ts'
export { extractForInstall, type ExtractedArchive, type FaultPoint, type InstallArchiveOptions, type InstallRecord } from './install-archive.ts'
export { applyChangeset, installArchive, uninstallPackage, type ChangesetInstall, type ChangesetOptions, type ChangesetResult } from './changeset.ts'
export { noSpaceError, requireFreeSpace, type SpaceNeed } from './free-space.ts'
export { SimulatedCrash } from './journal.ts'
export { recoverInterrupted, settleForRead, type RecoveryResult } from './recover.ts'
export { listFiles, type RemovalRequest, type UninstallFaultPoint, type UninstallOptions, type UninstallResult } from './uninstall.ts'
export { zoiDependencyName } from './dependency-name.ts'
export { MANIFEST_FILE } from './store-manifest.ts'
export {
  absolutePath,
  formatKey,
  locate,
  packageDir,
  packageDirName,
  storeId,
  type FileKind,
  type Location,
  type PackageKey,
} from './store-paths.ts'
export { appendHistory, readHistory, readNote, writeNote, type HistoryChange, type HistoryEntry } from './history.ts'
export { checkFiles, recordFileChecks, type FileFinding, type FileProblem, type PackageCheck } from './file-checks.ts'
