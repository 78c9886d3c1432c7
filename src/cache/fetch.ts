/**
 * Getting every archive of a plan onto this machine, verified, before anything is changed
 * (SPEC §7 steps 2–3): locate each (pkg-dirs, then the cache), refuse at once when offline and
 * some are missing, then verify the found ones and download the rest, a few at a time.
 */
import { ZoiError } from '../errors.ts'
import type { Net } from '../platform/net.ts'
import type { Report } from '../progress.ts'
import { downloadArchive, type DownloadSource } from './download.ts'
import { locateArchive, type LocatedArchive } from './locate.ts'
import { checkSignature, type SignaturePolicy } from './signature.ts'
import { indexHash, pickHash, verifyArchive, type IndexFacts, type KnownHash, type PendingHash } from './verify.ts'

export interface FetchItem {
  fileName: string
  /** Download sources in order (the registry's `archiveCandidates`). */
  candidates: readonly DownloadSource[]
  /** What the registry index knows. */
  expected?: IndexFacts
  /** The registry declares `hash:` links, so an archive without a known checksum is refused. */
  hashRequired: boolean
  /** The archive's registry has trust anchors: a good detached signature is required too. */
  signature?: SignaturePolicy
}

export interface FetchOptions {
  net: Net
  cacheDir: string
  pkgDirs: readonly string[]
  report: Report
  /** Downloads and verifications running at once. */
  concurrency?: number
  /**
   * Archives found on this machine are checked but not hashed: their `pending` checksum is
   * taken by the caller's own read (install hashes while extracting, reading each archive once).
   */
  deferHash?: boolean
}

export interface FetchedArchive {
  fileName: string
  path: string
  source: 'pkg-dir' | 'cache' | 'download'
  /** The candidate URL (redacted) when downloaded. */
  url?: string
  bytes: number
  /** The checksum it matched (with `pending`: must match); undefined when none was known and none was required. */
  hash?: KnownHash
  /** With `deferHash`: the checksum the caller's read must find; not checked yet. */
  pending?: PendingHash
  /** From a `.files` sidecar beside the archive, when there is one. */
  files?: string[]
  /** Where the verified signature was found, when one was required. */
  signature?: string
}

/** Results in the order of `items`; an archive requested twice (sub-packages) is fetched once. */
export async function fetchArchives(items: readonly FetchItem[], options: FetchOptions): Promise<FetchedArchive[]> {
  const unique = mergeDuplicates(items)
  const located = await Promise.all(
    unique.map((i) => locateArchive({ fileName: i.fileName, pkgDirs: options.pkgDirs, cacheDir: options.cacheDir })),
  )
  const missing = unique.filter((_, k) => located[k] === undefined)
  if (missing.length > 0 && options.net.offline) throw offlineMiss(missing.map((i) => i.fileName), options)
  const unreachable = missing.find((i) => i.candidates.length === 0)
  if (unreachable) {
    throw new ZoiError('NOT_FOUND', `archive ${unreachable.fileName} is in no pkg-dir nor the cache, and its registry lists no download links`, {
      hint: `copy it into ${options.cacheDir} with 'zoi cache add', or pass --pkg-dir <folder holding it>`,
    })
  }

  if (missing.length > 0) options.report({ kind: 'phase', phase: 'fetch', text: `downloading ${missing.length} archive(s)`, total: missing.length })
  const settled = await mapBounded(unique, options.concurrency ?? 3, (item, k) => obtain(item, located[k], options))
  // Every job has finished (good downloads stay cached for the next run); report the first failure.
  const failure = settled.find((s) => s.status === 'rejected')
  if (failure) throw failure.reason
  const byName = new Map(settled.map((s) => (s as PromiseFulfilledResult<FetchedArchive>).value).map((f) => [f.fileName, f]))
  return items.map((i) => byName.get(i.fileName) as FetchedArchive)
}

/** The archive, checksum-verified, then (when its registry has anchors) signature-verified. */
async function obtain(item: FetchItem, found: LocatedArchive | undefined, options: FetchOptions): Promise<FetchedArchive> {
  const got = await obtainVerified(item, found, options)
  if (item.signature === undefined) return got
  const sig = await checkSignature({ ...item, signature: item.signature }, got.path, options)
  return { ...got, signature: sig.source }
}

async function obtainVerified(item: FetchItem, found: LocatedArchive | undefined, options: FetchOptions): Promise<FetchedArchive> {
  const fromIndex = indexHash(item.fileName, item.expected)
  if (found === undefined) {
    const got = await downloadArchive(
      { fileName: item.fileName, candidates: item.candidates, indexHash: fromIndex, indexSize: item.expected?.size, hashRequired: item.hashRequired },
      options,
    )
    return { fileName: item.fileName, path: got.path, source: 'download', url: got.url, bytes: got.verification.bytes, hash: got.verification.hash }
  }
  options.report({ kind: 'info', text: `using ${found.source === 'cache' ? 'cached archive' : 'archive from pkg-dir'}: ${found.path}` })
  const beside = found.sidecars.hash && { ...found.sidecars.hash, origin: 'sidecar' as const, source: `${found.path}.hash` }
  const size = item.expected?.size !== undefined
    ? { bytes: item.expected.size, source: 'the registry index' }
    : found.sidecars.size?.down !== undefined ? { bytes: found.sidecars.size.down, source: `${found.path}.size` } : undefined
  const v = await verifyArchive(found.path, {
    fileName: item.fileName,
    hash: pickHash(fromIndex, beside),
    size,
    hashRequired: item.hashRequired,
    // Never delete from a pkg-dir: it is the user's folder, possibly read-only media.
    removeIfBad: found.source === 'cache',
    report: options.report,
    deferHash: options.deferHash,
  })
  return { fileName: item.fileName, path: found.path, source: found.source, bytes: v.bytes, hash: v.hash, pending: v.pending, files: found.sidecars.files }
}

/** The SPEC §8 message, naming every missing archive and what to copy where. */
function offlineMiss(fileNames: string[], options: FetchOptions): ZoiError {
  return new ZoiError('OFFLINE', `Archive not found in cache and cannot download: offline mode. Missing: ${fileNames.join(', ')}`, {
    hint: `copy it into ${options.cacheDir} with 'zoi cache add', or pass --pkg-dir <folder holding it>`,
    data: { missing: fileNames },
  })
}

function mergeDuplicates(items: readonly FetchItem[]): FetchItem[] {
  const byName = new Map<string, FetchItem>()
  for (const item of items) {
    const seen = byName.get(item.fileName)
    if (seen === undefined) byName.set(item.fileName, item)
    else byName.set(item.fileName, {
      ...seen,
      candidates: seen.candidates.length > 0 ? seen.candidates : item.candidates,
      expected: seen.expected ?? item.expected,
      hashRequired: seen.hashRequired || item.hashRequired,
      signature: seen.signature ?? item.signature,
    })
  }
  return [...byName.values()]
}

/** Run `fn` over `items` with at most `limit` running at once; every job runs to completion. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const k = next++
      try {
        results[k] = { status: 'fulfilled', value: await fn(items[k] as T, k) }
      } catch (reason) {
        results[k] = { status: 'rejected', reason }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return results
}
