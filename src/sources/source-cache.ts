/**
 * The content-addressed source cache (SPEC §11): every source a build fetches by URL is kept as
 * `sha512/<hex>` under the cache folder and named in index.json. A hit never touches the
 * network; a miss online is downloaded through the network edge — from each `source_mirrors`
 * base first, then the URL itself — checked, and stored; a miss offline is exit 5 naming the URL
 * and every way to supply it. Blobs are written to a temporary file and renamed into place.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { hashFile } from '../archive/index.ts'
import { describeError, isZoiError, ZoiError } from '../errors.ts'
import { redactUrl, type Net } from '../platform/net.ts'
import { silent, type Report } from '../progress.ts'
import { notePackage, readIndex, updateIndex } from './source-index.ts'
import { blobCandidates } from './source-mirrors.ts'

export interface SourceCacheOptions {
  /** The cache folder (layout.sourceCacheDir, or ZOI_SOURCE_CACHE inside a build). */
  dir: string
  net: Net
  /** config `source_mirrors`. */
  mirrors: readonly string[]
  report?: Report
  /** The package being built, recorded with what it fetches. */
  pkg?: string
}

export interface CachedBlob {
  path: string
  sha512: string
  size: number
}

export function blobPath(dir: string, sha512: string): string {
  return join(dir, 'sha512', sha512)
}

/** The one error for a source that is not cached and cannot be downloaded now. */
export function missingSource(url: string, what = 'source', cause?: unknown): ZoiError {
  const offline = cause === undefined
  const message = offline
    ? `${what} not in the source cache and cannot download: offline mode. Missing: ${redactUrl(url)}`
    : isZoiError(cause) ? cause.message : `cannot download ${what} ${redactUrl(url)}: ${describeError(cause)}`
  return new ZoiError(offline ? 'OFFLINE' : 'NETWORK', message, {
    hint: "fetch it where there is network ('zoi source fetch <package>', then carry the source cache over), " +
      `or file a copy with 'zoi source add <file> --url ${redactUrl(url)}', or set source_mirrors, or import a bundle made with --with-sources`,
    data: { url: redactUrl(url) },
    cause,
  })
}

export class SourceCache {
  constructor(readonly opts: SourceCacheOptions) {}

  get dir(): string {
    return this.opts.dir
  }

  /** The cached bytes of `url`, downloading them first when online. `sha512` (hex) is checked when given. */
  async obtain(url: string, sha512?: string): Promise<CachedBlob> {
    const hit = this.lookup(url)
    if (hit && (sha512 === undefined || hit.sha512 === sha512)) {
      this.record(url, hit)
      return hit
    }
    if (this.opts.net.offline) throw missingSource(url)
    const report = this.opts.report ?? silent
    const failures: unknown[] = []
    for (const candidate of blobCandidates(this.opts.mirrors, url, sha512)) {
      const tmp = this.scratch()
      try {
        report({ kind: 'info', text: `downloading ${redactUrl(candidate)}` })
        await this.opts.net.download(candidate, join(tmp, 'blob'))
        const blob = await this.store(join(tmp, 'blob'), candidate === url ? url : `${url} (from mirror ${redactUrl(candidate)})`, sha512)
        this.record(url, blob)
        return blob
      } catch (e) {
        // A mirror that lacks the file (or holds a bad copy) is skipped; upstream's answer is final.
        if (candidate === url || !(isZoiError(e, 'NETWORK') || isZoiError(e, 'INTEGRITY'))) throw candidate === url && isZoiError(e, 'NETWORK') ? missingSource(url, 'source', e) : e
        failures.push(e)
      } finally {
        rmSync(tmp, { recursive: true, force: true })
      }
    }
    throw missingSource(url, 'source', failures[failures.length - 1])
  }

  /** The cached blob for `url`, if its file is still there. */
  lookup(url: string): CachedBlob | undefined {
    const entry = readIndex(this.dir).urls[url]
    if (!entry) return undefined
    const path = blobPath(this.dir, entry.sha512)
    const size = existsSync(path) ? statSync(path).size : -1
    return size === entry.size ? { path, sha512: entry.sha512, size } : undefined
  }

  /** Files a local copy of `url` (`zoi source add`); `sha512` is checked when given. */
  async add(file: string, url: string, sha512?: string): Promise<CachedBlob> {
    const tmp = this.scratch()
    try {
      copyFileSync(file, join(tmp, 'blob'))
      const blob = await this.store(join(tmp, 'blob'), file, sha512)
      this.record(url, blob)
      return blob
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  }

  /** Drops `url` from the index (a definition's verifyHash refused what it fetched). */
  forget(url: string): void {
    updateIndex(this.dir, (index) => {
      delete index.urls[url]
    })
  }

  private record(url: string, blob: CachedBlob): void {
    const entry = readIndex(this.dir).urls[url]
    if (entry && entry.sha512 === blob.sha512 && (this.opts.pkg === undefined || entry.packages.includes(this.opts.pkg))) return
    updateIndex(this.dir, (index) => {
      const old = index.urls[url]
      const packages = old && old.sha512 === blob.sha512 ? old.packages : []
      index.urls[url] = { sha512: blob.sha512, size: blob.size, packages: notePackage(packages, this.opts.pkg) }
    })
  }

  /** Hashes `file` and renames it to `sha512/<hex>` (same filesystem: the scratch folder is inside the cache). */
  private async store(file: string, shown: string, expected?: string): Promise<CachedBlob> {
    const sha512 = await hashFile(file, 'sha512')
    if (expected !== undefined && sha512 !== expected) {
      throw new ZoiError('INTEGRITY', `${redactUrl(shown)}: SHA-512 mismatch (expected ${expected}, got ${sha512})`)
    }
    const path = blobPath(this.dir, sha512)
    mkdirSync(join(this.dir, 'sha512'), { recursive: true })
    renameSync(file, path)
    return { path, sha512, size: statSync(path).size }
  }

  private scratch(): string {
    mkdirSync(join(this.dir, 'tmp'), { recursive: true })
    return mkdtempSync(join(this.dir, 'tmp', 'fetch-'))
  }
}
