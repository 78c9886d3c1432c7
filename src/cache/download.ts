/**
 * Downloading one archive into the cache from its candidates, strictly in order (SPEC §3: mains,
 * mirrors, then cache_mirrors). Any failure of a candidate — non-2xx, refused connection, an HTML
 * page where a `.hash` should be, a wrong checksum — moves on to the next one.
 *
 * Invariant: a file appears under its archive name in the cache only once verified. Downloads
 * land in `<cache>/.incoming/<file>` (via `.part`, resumed with HTTP Range across attempts and
 * runs), are verified there, get their sidecars written, and are then renamed into place.
 */
import { rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { hashFile, parseHashSidecar, parseSizeSidecar, sidecarPaths, type ArchiveSizes } from '../archive/index.ts'
import { ZoiError, isZoiError } from '../errors.ts'
import { writeFileAtomic } from '../platform/fs.ts'
import { redactUrl, type DownloadResult, type Net } from '../platform/net.ts'
import type { Report } from '../progress.ts'
import { isOciUrl, locateOciFile, OciSession, parseOciTarget } from './oci.ts'
import { sha512Of, verifyArchive, type KnownHash, type Verification } from './verify.ts'

/** One place an archive can be downloaded from (the registry's `Candidate`, received as data). */
export interface DownloadSource {
  url: string
  hashUrl?: string
  sizeUrl?: string
  filesUrl?: string
  /** The detached signature (`.sig`): verified by the trust checks; `zoi download` copies it along. */
  sigUrl?: string
}

export interface DownloadRequest {
  fileName: string
  candidates: readonly DownloadSource[]
  indexHash?: KnownHash
  indexSize?: number
  hashRequired: boolean
}

export interface DownloadContext {
  net: Net
  cacheDir: string
  report: Report
}

export interface Downloaded {
  path: string
  /** The candidate it came from, credentials redacted. */
  url: string
  verification: Verification
}

export const INCOMING_DIR = '.incoming'
/** An interrupted body is resumed from the `.part` this many times per candidate. */
const MAX_RESUMES = 3

export async function downloadArchive(req: DownloadRequest, ctx: DownloadContext): Promise<Downloaded> {
  const tried: { url: string; reason: string; integrity: boolean }[] = []
  for (const candidate of req.candidates) {
    try {
      return await tryCandidate(candidate, req, ctx)
    } catch (e) {
      // Only a problem with this source moves on; a full disk or a permission error would
      // fail the same way for every candidate.
      if (!isZoiError(e, 'NETWORK') && !isZoiError(e, 'INTEGRITY')) throw e
      const url = redactUrl(candidate.url)
      const reason = shorten(e.message, url)
      tried.push({ url, reason, integrity: e.code === 'INTEGRITY' })
      // A host that is down was reported once by the network edge; not again for every file.
      if (!e.data?.hostDown) ctx.report({ kind: 'warn', text: `cannot use ${url}: ${reason.split('\n')[0]}` })
    }
  }
  const integrity = tried.some((t) => t.integrity)
  const list = tried.map((t) => `- ${t.url}: ${t.reason.replaceAll('\n', '\n  ')}`).join('\n')
  throw new ZoiError(
    integrity ? 'INTEGRITY' : 'NETWORK',
    `cannot ${integrity ? 'get a good copy of' : 'download'} ${req.fileName}: ${tried.length === 1 ? 'the only candidate' : `all ${tried.length} candidates`} failed\n${list}`,
    {
      hint: integrity
        ? `a source served a bad archive or checksum: run 'zoi sync' if the registry changed, check its mirrors, or add a good copy to ${ctx.cacheDir} with 'zoi cache add'`
        : `check the network, the registry's pkg: links and cache_mirrors; or add the archive to ${ctx.cacheDir} with 'zoi cache add'`,
      data: { file: req.fileName, tried },
    },
  )
}

async function tryCandidate(given: DownloadSource, req: DownloadRequest, ctx: DownloadContext): Promise<Downloaded> {
  const staged = join(ctx.cacheDir, INCOMING_DIR, req.fileName)
  const onBytes = (loaded: number, total?: number) =>
    ctx.report({ kind: 'advance', phase: 'fetch', loaded, total, item: req.fileName, unit: 'bytes' })
  // An oci:// candidate becomes the blob URLs of its artifact's layers (plus auth headers).
  const oci = isOciUrl(given.url) ? await resolveOciSource(ctx.net, given) : undefined
  const c = oci?.source ?? given
  // The archive comes first: a source that lacks the archive is a plain miss (exit 5), while
  // one that has it but no usable checksum is an integrity problem (exit 6).
  const first = await downloadResuming(ctx.net, c.url, staged, onBytes, oci?.headers)
  try {
    if (oci) await checkOciDigest(staged, oci.digest, given.url)
    const hash = req.indexHash ?? (await fetchHash(c, req, ctx.net, oci?.headers))
    const sizes = req.indexHash || req.indexSize !== undefined ? undefined : await fetchSizes(c, ctx.net, oci?.headers)
    const size = req.indexSize !== undefined ? { bytes: req.indexSize, source: 'the registry index' }
      : sizes?.down !== undefined ? { bytes: sizes.down, source: redactUrl(c.sizeUrl ?? c.url) } : undefined
    const verify = () => verifyArchive(staged, {
      fileName: req.fileName, hash, size, hashRequired: req.hashRequired, removeIfBad: true, report: ctx.report,
      subject: `downloaded from ${redactUrl(c.url)}`,
    })
    let verification: Verification
    try {
      verification = await verify()
    } catch (e) {
      // A `.part` left by an earlier source may have been the bad half: once more from zero.
      if (first.resumedFrom === 0 || !isZoiError(e, 'INTEGRITY')) throw e
      await downloadResuming(ctx.net, c.url, staged, onBytes, oci?.headers)
      if (oci) await checkOciDigest(staged, oci.digest, given.url)
      verification = await verify()
    }
    const path = await moveIntoCache(staged, ctx.cacheDir, req.fileName, verification, sizes)
    return { path, url: redactUrl(given.url), verification }
  } finally {
    // Unverified bytes never stay (after a successful move this finds nothing).
    await rm(staged, { force: true })
  }
}

/** The blob URLs behind an oci:// candidate; an artifact without the archive is a miss. */
async function resolveOciSource(net: Net, c: DownloadSource): Promise<{ source: DownloadSource; digest: string; headers: Record<string, string> }> {
  const session = new OciSession(net, parseOciTarget(c.url.slice(0, c.url.lastIndexOf('/'))))
  const archive = await locateOciFile(net, c.url, session)
  if (!archive) throw new ZoiError('NETWORK', `${redactUrl(c.url)}: the OCI registry has no such artifact`, { data: { status: 404 } })
  const side = async (url?: string) => (url && isOciUrl(url) ? (await locateOciFile(net, url, session))?.url : undefined)
  return { source: { url: archive.url, hashUrl: await side(c.hashUrl), sizeUrl: await side(c.sizeUrl) }, digest: archive.digest, headers: archive.headers }
}

/** The registry must serve the bytes its manifest names (sha256 digest); the SHA-512 check follows. */
async function checkOciDigest(path: string, digest: string, url: string): Promise<void> {
  const got = `sha256:${await hashFile(path, 'sha256')}`
  if (got !== digest) {
    await rm(path, { force: true })
    throw new ZoiError('INTEGRITY', `${redactUrl(url)}: the OCI blob does not match its digest (got ${got.slice(0, 19)}…, manifest says ${digest.slice(0, 19)}…)`)
  }
}

/** Net.download plus what it leaves to callers: resuming after a dropped body, stale `.part`s. */
async function downloadResuming(net: Net, url: string, dest: string, onBytes: (l: number, t?: number) => void, headers?: Record<string, string>): Promise<DownloadResult> {
  const part = `${dest}.part`
  for (let attempt = 0; ; attempt++) {
    const before = await sizeOf(part)
    try {
      return await net.download(url, dest, onBytes, headers)
    } catch (e) {
      if (!isZoiError(e, 'NETWORK') || attempt >= MAX_RESUMES) throw e
      if (e.data?.status === 416) {
        // The `.part` is not a prefix of this file (longer, or complete but never renamed).
        await rm(part, { force: true })
        continue
      }
      if ((await sizeOf(part)) <= before) throw e
    }
  }
}

async function fetchHash(c: DownloadSource, req: DownloadRequest, net: Net, headers?: Record<string, string>): Promise<KnownHash | undefined> {
  if (c.hashUrl === undefined) return undefined
  const source = redactUrl(c.hashUrl)
  try {
    const parsed = parseHashSidecar(await net.getText(c.hashUrl, headers), { archiveName: req.fileName, source })
    return { ...parsed, origin: 'download', source }
  } catch (e) {
    if (!isZoiError(e, 'NETWORK') && !isZoiError(e, 'INTEGRITY')) throw e
    // A garbled checksum (an HTML page, say) makes the source suspect. A missing one matters
    // only when the registry promises checksums; verifyArchive warns otherwise.
    if (e.code === 'INTEGRITY') throw e
    if (!req.hashRequired) return undefined
    if (e.data?.status === undefined) throw e
    throw new ZoiError('INTEGRITY', `no checksum for ${req.fileName} at ${source} (${e.message.split(`${source} `).join('')}), and its registry requires one`)
  }
}

/** Sizes are advisory: a missing or unreadable `.size` is ignored. */
async function fetchSizes(c: DownloadSource, net: Net, headers?: Record<string, string>): Promise<ArchiveSizes | undefined> {
  if (c.sizeUrl === undefined) return undefined
  try {
    return parseSizeSidecar(await net.getText(c.sizeUrl, headers), redactUrl(c.sizeUrl))
  } catch (e) {
    if (!isZoiError(e, 'NETWORK') && !isZoiError(e, 'INTEGRITY')) throw e
    return undefined
  }
}

/**
 * Sidecars first, archive last: a crash in between leaves stray sidecars (harmless, `cache clear`
 * removes them), never an archive without the `.hash` it was verified against. Stale sidecars of
 * an earlier copy are removed so they cannot describe the new one.
 */
async function moveIntoCache(staged: string, cacheDir: string, fileName: string, v: Verification, sizes?: ArchiveSizes): Promise<string> {
  const final = join(cacheDir, fileName)
  const s = sidecarPaths(final)
  if (v.hash) await writeFileAtomic(s.hash, `${await sha512Of(staged, v.hash)}  ${fileName}\n`)
  else await rm(s.hash, { force: true })
  const install = sizes?.install === undefined ? '' : `install: ${sizes.install}\n`
  await writeFileAtomic(s.size, `down: ${v.bytes}\n${install}`)
  await rm(s.files, { force: true })
  await rename(staged, final)
  return final
}

/** The list names each URL once: drop it from Net's messages, which repeat it. */
function shorten(message: string, url: string): string {
  return message
    .replace(`cannot reach ${url}:`, 'cannot connect:')
    .replace(`download of ${url} `, 'download ')
    .replace(` (downloaded from ${url})`, '')
    .replace(`${url} `, '')
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => 0)
}
