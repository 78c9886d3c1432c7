/**
 * Mirrors (seed 001, "Registry mirroring and binary hosting"): the folder layout, the bare
 * registry mirror with its optional base-url commit, archives with sidecars, the manifest, and
 * the read-only HTTP server (git smart-HTTP + static files) that serves such a folder.
 */
export { archiveComplete, keepArchive, placeArchive, sweepTemporaries, type PlacedArchive } from './archive-store.ts'
export { bareReader, type BareReader } from './bare-read.ts'
export { fetchUpstream, publishBranch, readServedHead, type UpstreamState } from './bare-mirror.ts'
export { writeManifest, type Manifest, type ManifestFile } from './manifest.ts'
export {
  archiveRelPath, flatRelPath, FLAT_DIR, MANIFEST_JSON, MANIFEST_SHA512, mirrorGitUrl, mirrorPkgLink, PKGS_DIR, REGISTRY_GIT, STATE_DIR,
  type MirroredArchive,
} from './mirror-layout.ts'
export { pushArchives, type PushResult } from './oci-push.ts'
export { updateServerInfo } from './server-info.ts'
export { startMirrorServer, type MirrorServer, type MirrorServerOptions } from './mirror-server.ts'
export { archiveItems, selectPackages, type ArchiveItem, type Selection } from './package-select.ts'
export { indexCommit, readRepoYamlAt } from './registry-index.ts'
export { commitBaseUrl, rewriteRepoYaml } from './rewrite-repo-yaml.ts'
