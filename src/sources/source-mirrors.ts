/**
 * Hashed source mirrors (SPEC §11, Nix's `hashed-mirrors` extended to git): where a mirror keeps
 * a source. `<m>/sources/sha512/<hex>` when the hash is known, else `<m>/sources/by-url/<sha256
 * of the URL>`; a git source is the bare repository `<m>/sources/git/<sha256 of the URL>.git`.
 * The source cache uses the same names, so a mirror is a copy of (part of) a cache.
 */
import { crypto } from '../platform/node-lazy.ts'

export function urlKey(url: string): string {
  return crypto().createHash('sha256').update(url).digest('hex')
}

/** The mirror URLs for a blob source, in config order, before the original URL. */
export function blobCandidates(mirrors: readonly string[], url: string, sha512?: string): string[] {
  const path = sha512 ? `sources/sha512/${sha512}` : `sources/by-url/${urlKey(url)}`
  return [...mirrors.map((m) => `${m.replace(/\/+$/, '')}/${path}`), url]
}

/** The mirror URLs for a git source, then the original URL. */
export function gitCandidates(mirrors: readonly string[], url: string): string[] {
  return [...mirrors.map((m) => `${m.replace(/\/+$/, '')}/sources/git/${urlKey(url)}.git`), url]
}

/** Relative paths inside a mirror (or cache) folder. */
export const MIRROR_PATHS = {
  blob: (sha512: string) => `sources/sha512/${sha512}`,
  byUrl: (url: string) => `sources/by-url/${urlKey(url)}`,
  git: (url: string) => `sources/git/${urlKey(url)}.git`,
}
