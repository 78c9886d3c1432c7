/**
 * The source cache's index (SPEC §11): `index.json` beside the blobs, mapping each source URL to
 * the SHA-512 of its bytes and each git URL to its stored bare repository and the refs resolved
 * there. Every write goes to a temporary file that is renamed over the old index, so a reader (or
 * a crash) sees the old index or the new one, never half of one.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describeError, errnoCode, ZoiError } from '../errors.ts'

export interface BlobEntry {
  sha512: string
  size: number
  /** Packages whose build fetched it (for `source ls`). */
  packages: string[]
}

export interface GitEntry {
  /** The bare repository, relative to the cache folder: `git/<sha256 of url>.git`. */
  repo: string
  /** Ref as asked for (`v1`, `HEAD`, a commit id) → the commit it resolved to. */
  refs: Record<string, string>
  packages: string[]
}

export interface SourceIndex {
  version: 1
  urls: Record<string, BlobEntry>
  git: Record<string, GitEntry>
}

export function indexPath(cacheDir: string): string {
  return join(cacheDir, 'index.json')
}

export function readIndex(cacheDir: string): SourceIndex {
  let text: string
  try {
    text = readFileSync(indexPath(cacheDir), 'utf8')
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { version: 1, urls: {}, git: {} }
    throw new ZoiError('PERMISSION', `cannot read the source cache index ${indexPath(cacheDir)}: ${describeError(e)}`, { cause: e })
  }
  try {
    const parsed = JSON.parse(text) as Partial<SourceIndex>
    return { version: 1, urls: parsed.urls ?? {}, git: parsed.git ?? {} }
  } catch (e) {
    throw new ZoiError('INTEGRITY', `the source cache index ${indexPath(cacheDir)} is not valid JSON`, {
      hint: "remove it (the blobs stay) or run 'zoi source clear'",
      cause: e,
    })
  }
}

/** Re-reads the index, applies `change` and writes it back atomically (temp file + rename). */
export function updateIndex(cacheDir: string, change: (index: SourceIndex) => void): SourceIndex {
  mkdirSync(cacheDir, { recursive: true })
  const index = readIndex(cacheDir)
  change(index)
  const tmp = `${indexPath(cacheDir)}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, JSON.stringify(index, null, 1) + '\n')
    renameSync(tmp, indexPath(cacheDir))
  } catch (e) {
    rmSync(tmp, { force: true })
    throw new ZoiError('PERMISSION', `cannot write the source cache index in ${cacheDir}: ${describeError(e)}`, { cause: e })
  }
  return index
}

/** Adds `pkg` to an entry's package list (kept sorted, without repeats). */
export function notePackage(list: string[], pkg: string | undefined): string[] {
  return pkg === undefined || list.includes(pkg) ? list : [...list, pkg].sort()
}
