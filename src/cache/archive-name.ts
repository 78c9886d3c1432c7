/**
 * Archive file names (SPEC §8: lookup is by file name): `<name>-<version>-<os>-<arch>.pkg.tar.zst`
 * or Zoi's `.zpa` (SPEC §9), and which files in the cache folder belong to an archive (sidecars,
 * partial downloads, temps), `.zsa` source bundles included.
 */

export const ARCHIVE_SUFFIX = '.pkg.tar.zst'
/** Every binary archive format zoi reads; the content, not the name, decides how it is read. */
export const ARCHIVE_SUFFIXES = ['.pkg.tar.zst', '.zpa'] as const

/** Zoi's source bundles: named `<name>-<version>.zsa`, platform `source` in listings. */
export const BUNDLE_SUFFIX = '.zsa'

export function archiveSuffix(fileName: string): string | undefined {
  return ARCHIVE_SUFFIXES.find((s) => fileName.toLowerCase().endsWith(s))
}

/** The OS half of a platform string; the arch half is free-form (`amd64`, `arm64`, `386`, …). */
const OSES = new Set(['linux', 'macos', 'windows', 'freebsd'])

export interface ArchiveName {
  fileName: string
  name: string
  version: string
  /** `<os>-<arch>`, or `source` for a `.zsa`. */
  platform: string
}

/**
 * Split a file name into its parts, or undefined when it does not follow the pattern. Names and
 * versions may both contain `-`; when the package name is known (from the definition inside the
 * archive) pass it, otherwise the version is taken to start at the first later segment that
 * begins with a digit (`v1.2`, `1.2.0-rc1`), falling back to the last segment.
 */
export function parseArchiveName(fileName: string, knownName?: string): ArchiveName | undefined {
  const bundle = fileName.toLowerCase().endsWith(BUNDLE_SUFFIX)
  const suffix = bundle ? BUNDLE_SUFFIX : archiveSuffix(fileName)
  if (suffix === undefined || fileName.includes('/')) return undefined
  const segments = fileName.slice(0, -suffix.length).split('-')
  if (segments.length < (bundle ? 2 : 4) || segments.some((s) => s === '')) return undefined
  // A `.zsa` (`<name>-<version>.zsa`) holds sources, for every platform.
  const arch = bundle ? '' : (segments.pop() as string)
  const os = bundle ? '' : (segments.pop() as string)
  if (!bundle && (!OSES.has(os) || !/^[a-z0-9_]+$/.test(arch))) return undefined
  const stem = segments.join('-')
  let name: string
  if (knownName !== undefined) {
    if (!stem.startsWith(`${knownName}-`) || stem.length === knownName.length + 1) return undefined
    name = knownName
  } else {
    const at = segments.findIndex((s, i) => i > 0 && /^v?\d/.test(s))
    name = segments.slice(0, at > 0 ? at : segments.length - 1).join('-')
  }
  return { fileName, name, version: stem.slice(name.length + 1), platform: bundle ? 'source' : `${os}-${arch}` }
}

/**
 * Files of the cache that `cache clear` may remove: archives, their sidecars (`.hash .size .files
 * .sig`), `.part` downloads and the temp files of atomic writes. Anything else is not ours.
 */
export function isCacheOwnedFile(fileName: string): boolean {
  return /^[^/]+\.(?:pkg\.tar\.zst|zpa|zsa)(?:\.(?:hash|size|files|sig))?(?:\.part|\.tmp(?:-[A-Za-z0-9.-]*)?)?$/.test(fileName)
}
