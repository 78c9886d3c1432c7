/**
 * Public surface of the archive module: reading, extracting and writing `.pkg.tar.zst` archives
 * (and Zoi's `.zpa`/`.zsa`, which are zstd tars too: the `.zpa` manifest and pooled writer live
 * here), their sidecars, and the pure entry-path checks. Other modules import only from here.
 */
export type { ArchiveEntry, EntryType } from './archive-entry.ts'
export { extractArchive, type ExtractOptions, type ExtractResult } from './extract.ts'
export { ExtractThread } from './extract-thread.ts'
export { hashFile, type HashAlgorithm } from './hash-file.ts'
export { EntryGuard, normalizeEntryPath, splitEntryPath, type RawEntry } from './safe-path.ts'
export {
  listDataFiles,
  parseFilesSidecar,
  parseHashSidecar,
  parseSizeSidecar,
  sidecarPaths,
  writeSidecars,
  type ArchiveSizes,
  type ExpectedHash,
} from './sidecars.ts'
export { listArchive, readArchiveMember, readTarEntries, type TarItem } from './tar-read.ts'
export { writeArchive, type WriteOptions, type WriteResult } from './tar-write.ts'
export { parseZpaManifest, splitZpaPath, zpaFileList, ZPA_ROOTS, type ZpaManifest, type ZpaPath, type ZpaRoot, type ZpaScope } from './zpa-manifest.ts'
export { writeZpa, ZPA_SCOPES, type ZpaWriteOptions, type ZpaWriteResult } from './zpa-write.ts'
export { archiveFileList, isZpaListing, readZpaManifest } from './zpa-read.ts'
