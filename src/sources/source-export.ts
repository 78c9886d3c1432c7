/**
 * Writing (part of) the source cache as a hashed source mirror (SPEC §11): `sources/sha512/<hex>`,
 * `sources/by-url/<sha256 of the URL>` for clients that do not know the hash, `sources/git/<sha256
 * of the URL>.git` bare repositories for git sources (served by `zoi serve`'s smart HTTP), and
 * `sources/index.json`. Files that are already there are left alone; each new one is copied to a
 * temporary name and renamed into place.
 */
import { copyFileSync, cpSync, existsSync, linkSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { blobPath } from './source-cache.ts'
import { readIndex, updateIndex } from './source-index.ts'
import { MIRROR_PATHS } from './source-mirrors.ts'

export interface ExportResult {
  files: string[]
  git: string[]
}

/** Copies every cached source used by a package `wanted` accepts into `<destDir>/sources/`. */
export function exportSources(cacheDir: string, destDir: string, wanted: (packages: readonly string[]) => boolean): ExportResult {
  const index = readIndex(cacheDir)
  const out: ExportResult = { files: [], git: [] }
  const sourcesDir = join(destDir, 'sources')
  for (const [url, entry] of Object.entries(index.urls)) {
    const blob = blobPath(cacheDir, entry.sha512)
    if (!wanted(entry.packages) || !existsSync(blob)) continue
    place(blob, join(destDir, MIRROR_PATHS.blob(entry.sha512)))
    place(blob, join(destDir, MIRROR_PATHS.byUrl(url)))
    updateIndex(sourcesDir, (i) => {
      i.urls[url] = entry
    })
    out.files.push(url)
  }
  for (const [url, entry] of Object.entries(index.git)) {
    const repo = join(cacheDir, entry.repo)
    if (!wanted(entry.packages) || !existsSync(repo)) continue
    const target = join(destDir, MIRROR_PATHS.git(url))
    // Objects are immutable and refs only move forward in a cache: a fresh copy replaces the old one whole.
    const tmp = `${target}.tmp-${process.pid}`
    rmSync(tmp, { recursive: true, force: true })
    mkdirSync(dirname(target), { recursive: true })
    cpSync(repo, tmp, { recursive: true })
    rmSync(target, { recursive: true, force: true })
    renameSync(tmp, target)
    updateIndex(sourcesDir, (i) => {
      i.git[url] = { ...entry, repo: MIRROR_PATHS.git(url).replace(/^sources\//, '') }
    })
    out.git.push(url)
  }
  return out
}

function place(from: string, to: string): void {
  if (existsSync(to)) return
  mkdirSync(dirname(to), { recursive: true })
  const tmp = `${to}.tmp-${process.pid}`
  try {
    linkSync(from, tmp)
  } catch {
    copyFileSync(from, tmp)
  }
  renameSync(tmp, to)
}
