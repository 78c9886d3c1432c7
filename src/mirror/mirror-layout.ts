/**
 * What a mirror folder holds, relative to its root, so that any static file server can host it
 * (seed 001, "Hosting Pre-built Binaries"):
 *
 *   registry.git/                      bare git mirror of the registry (+ the base-url commit)
 *   pkgs/{repo}/{os}/{arch}/{version}/{name}-{version}-{platform}.pkg.tar.zst|.zpa  (+ .hash .size .files;
 *                                      the format the upstream's links name)
 *   archives/<file>                    the same archives flat, for `cache_mirrors` bases
 *   manifest.json, manifest.sha512     every file with its SHA-512 (`sha512sum -c manifest.sha512`)
 *   .zoi/                              private state (lock, index, hash cache); never served
 */
import { join } from 'node:path'
import { archiveFileName, type PkgLink } from '../registry/index.ts'

export const REGISTRY_GIT = 'registry.git'
export const PKGS_DIR = 'pkgs'
export const FLAT_DIR = 'archives'
export const MANIFEST_JSON = 'manifest.json'
export const MANIFEST_SHA512 = 'manifest.sha512'
export const STATE_DIR = '.zoi'

export const SIDECAR_SUFFIXES = ['.hash', '.size', '.files'] as const

export interface MirroredArchive {
  name: string
  version: string
  /** The package's repo path inside the registry (may contain `/`). */
  repo: string
  os: string
  arch: string
  /** The file name the registry's links give (`.zpa` or `.pkg.tar.zst`); default the `.pkg.tar.zst` name. */
  fileName?: string
}

/** `pkgs/{repo}/{os}/{arch}/{version}/<file>`, relative to the mirror root. */
export function archiveRelPath(a: MirroredArchive): string {
  return join(PKGS_DIR, ...a.repo.split('/').filter(Boolean), a.os, a.arch, a.version, a.fileName ?? archiveFileName(a))
}

export function flatRelPath(a: MirroredArchive): string {
  return join(FLAT_DIR, a.fileName ?? archiveFileName(a))
}

/** The `pkg:` link that makes clients download from `baseUrl` (the seed's step 3). */
export function mirrorPkgLink(baseUrl: string, suffix: '.pkg.tar.zst' | '.zpa' = '.pkg.tar.zst'): PkgLink {
  const dir = `${trimSlash(baseUrl)}/${PKGS_DIR}/{repo}/{os}/{arch}/{version}`
  const file = `${dir}/{name}-{version}-{platform}${suffix}`
  // A `.zpa` link names its file (Zoi appends nothing then); the folder form means `.pkg.tar.zst`.
  return { type: 'main', url: suffix === '.zpa' ? file : dir, hash: `${file}.hash`, size: `${file}.size`, files: `${file}.files` }
}

export function mirrorGitUrl(baseUrl: string): string {
  return `${trimSlash(baseUrl)}/${REGISTRY_GIT}`
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '')
}
