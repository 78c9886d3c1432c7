/**
 * Finding an archive on this machine (SPEC §7 step 2): each pkg-dir in order, then the archive
 * cache, by exact file name. Sidecars lying beside the archive are read too (SPEC FIX), so an
 * archive copied together with its `.hash` verifies offline. pkg-dir hits are used in place.
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  parseFilesSidecar,
  parseHashSidecar,
  parseSizeSidecar,
  sidecarPaths,
  type ArchiveSizes,
  type ExpectedHash,
} from '../archive/index.ts'
import { ZoiError, describeError, errnoCode } from '../errors.ts'

export type ArchiveOrigin = 'pkg-dir' | 'cache'

export interface Sidecars {
  hash?: ExpectedHash
  size?: ArchiveSizes
  files?: string[]
}

export interface LocatedArchive {
  path: string
  source: ArchiveOrigin
  sidecars: Sidecars
}

export interface LocateOptions {
  fileName: string
  /** `--pkg-dir` flags first, then config `pkg_dirs`: the caller decides the order. */
  pkgDirs: readonly string[]
  cacheDir: string
}

export async function locateArchive(options: LocateOptions): Promise<LocatedArchive | undefined> {
  const places: [string, ArchiveOrigin][] = [
    ...options.pkgDirs.map((d): [string, ArchiveOrigin] => [d, 'pkg-dir']),
    [options.cacheDir, 'cache'],
  ]
  for (const [dir, source] of places) {
    const path = join(dir, options.fileName)
    if (!(await isRegularFile(path))) continue
    return { path, source, sidecars: await readSidecars(path, options.fileName) }
  }
  return undefined
}

/**
 * The sidecars beside `archivePath`. A sidecar that exists but cannot be parsed is an INTEGRITY
 * error naming it: silently ignoring a `.hash` that someone put there would skip a check they
 * asked for.
 */
export async function readSidecars(archivePath: string, archiveName: string): Promise<Sidecars> {
  const paths = sidecarPaths(archivePath)
  const out: Sidecars = {}
  const hash = await readText(paths.hash)
  if (hash !== undefined) out.hash = parseHashSidecar(hash, { archiveName, source: paths.hash })
  const size = await readText(paths.size)
  if (size !== undefined) out.size = parseSizeSidecar(size, paths.size)
  const files = await readText(paths.files)
  if (files !== undefined) out.files = parseFilesSidecar(files, paths.files)
  return out
}

async function readText(path: string): Promise<string | undefined> {
  if (!(await isRegularFile(path))) return undefined
  return readFile(path, 'utf8')
}

/** Follows symlinks (a pkg-dir may link to archives elsewhere); folders and devices are no match. */
export async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch (e) {
    const code = errnoCode(e) ?? ''
    if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes(code)) return false
    throw new ZoiError(['EACCES', 'EPERM'].includes(code) ? 'PERMISSION' : 'INTERNAL', `cannot look at '${path}': ${describeError(e)}`, {
      cause: e,
    })
  }
}
