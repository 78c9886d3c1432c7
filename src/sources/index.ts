/** The source cache (SPEC §11): blobs and git repositories that builds fetch, and their mirrors. */
export { firstMiss, makeGitShim, noteMiss, settingsFromEnvironment, sourceEnvironment, SOURCE_ENV, type SourceSettings } from './build-env.ts'
export { blobPath, missingSource, SourceCache, type CachedBlob, type SourceCacheOptions } from './source-cache.ts'
export { readIndex, updateIndex, type BlobEntry, type GitEntry, type SourceIndex } from './source-index.ts'
export { blobCandidates, gitCandidates, MIRROR_PATHS, urlKey } from './source-mirrors.ts'
export { runGitCommand } from './git-command.ts'
export { importGitSource, isGitSource } from './git-import.ts'
export { exportSources, type ExportResult } from './source-export.ts'
