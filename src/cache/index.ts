/**
 * Public surface of the archive cache: finding archives (pkg-dirs → cache), downloading the
 * missing ones from their candidates, verifying all of them, and the `cache` commands.
 * Other modules import only from here.
 */
export { ARCHIVE_SUFFIX, ARCHIVE_SUFFIXES, archiveSuffix, parseArchiveName, type ArchiveName } from './archive-name.ts'
export { addToCache, clearCache, listCache, type AddedArchive, type CachedArchive } from './cache-admin.ts'
export type { DownloadSource } from './download.ts'
export { fetchArchives, type FetchedArchive, type FetchItem, type FetchOptions } from './fetch.ts'
export { locateArchive, type ArchiveOrigin, type LocateOptions, type LocatedArchive, type Sidecars } from './locate.ts'
export { indexHash, verifyArchive, type HashOrigin, type IndexFacts, type KnownHash, type PendingHash, type Verification, type VerifyOptions } from './verify.ts'
export { isOciUrl, parseOciTarget } from './oci.ts'
export { checkSignature, signatureName, type SignaturePolicy } from './signature.ts'
