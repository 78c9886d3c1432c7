/**
 * Registries: git sync with the embedded client, the SQLite index, and read access to the
 * synced registries (search, show, the resolver's Catalog).
 */
export { IndexDb, type ArchiveFacts, type IndexedPackage, type PackageRow, type PackageSummaryRow } from './index-db.ts'
export { indexRegistry, repoOfPath, type IndexResult, type IndexSource } from './indexer.ts'
export { chooseDefaultVersion, defaultVersionOf, openRegistries, toCandidates, type OpenRegistry, type RegistrySet } from './catalog.ts'
export { archiveCandidates, archiveFileName, archiveNameFor, bundleFileName, lastSegment, LINK_TYPES, parseRepoYaml, type Candidate, type LinkType, type PkgLink, type RepoYaml } from './repo-yaml.ts'
export { commitTime, verifyCommit, type CommitTrust } from './git-verify.ts'
export { isRegistryHandle, originUrl, registryFolders, withDiscovered } from './discover.ts'
export { headCommitTime } from './git-read.ts'
export { ownGitdir } from './git-refs.ts'
