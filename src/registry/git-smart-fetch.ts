/**
 * The fetch half of git's smart-HTTP protocol, version 1 (gitprotocol-pack): one POST to
 * `git-upload-pack` with want / shallow / deepen / have / done, whose answer is read as a stream —
 * shallow lines, then the pack on side band 1 (written straight to disk), progress on band 2, a
 * fatal error on band 3 — and the pack indexed by zoi's own indexer. Thin packs are never asked
 * for, so every delta base is inside the pack. Refs are the caller's business; `.git/shallow`
 * is updated here, as `git fetch` does.
 */
// Synchronous file calls: writes of the pack as its chunks arrive land in the page cache, and the
// rest are small files and renames; an awaited call costs a thread-pool round trip each.
import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ZoiError } from '../errors.ts'
import { readTextIfAny } from '../platform/fs.ts'
import { redactUrl, type Net } from '../platform/net.ts'
import type { Report } from '../progress.ts'
import { httpStatusError } from './git-errors.ts'
import { limitBody } from './git-http.ts'
import { indexPack } from './git-pack-index.ts'
import { pktLine, streamPktLines, FLUSH } from './git-pkt-line.ts'
import { incomplete, remoteError, type Advertisement } from './git-smart-refs.ts'

export interface SmartFetch {
  net: Net
  /** The registry URL as configured (only ever shown redacted). */
  url: string
  ad: Advertisement
  /** The git directory receiving the pack and `shallow`. */
  gitdir: string
  want: string
  /** A commit the repository already has: the server then sends only what is newer. */
  have?: string
  /** Commits of history to fetch; undefined for all of it. */
  depth?: number
  /** Bytes of blob contents to hand back, inflated already (IndexOptions.keepBlobs). */
  keepBlobs?: number
  report?: Report
}

const text = new TextDecoder()
const PROGRESS = /([^:\r\n]*)[^\r\n]*\((\d+)\/(\d+)\)/

/**
 * Fetches `want` (and what it needs) into `gitdir` as one indexed pack; returns the size of the
 * largest blob received (0 for none) and the contents of the blobs `keepBlobs` allowed.
 */
export async function fetchPack(opts: SmartFetch): Promise<{ largestBlob: number; blobs: Map<string, Uint8Array> }> {
  const where = redactUrl(opts.url)
  const caps = opts.ad.capabilities
  const band = caps.has('side-band-64k') ? 'side-band-64k' : caps.has('side-band') ? 'side-band' : undefined
  if (!band) throw new ZoiError('NETWORK', `${where} is not a usable git smart-HTTP registry: it offers no side-band`)
  if (opts.depth !== undefined && !caps.has('shallow')) {
    throw new ZoiError('NETWORK', `${where} is not a usable git smart-HTTP registry: it cannot send shallow clones`, { hint: 'sync it with --depth 0' })
  }
  const shallowFile = join(opts.gitdir, 'shallow')
  const shallow = new Set((readTextIfAny(shallowFile) ?? '').split('\n').filter((l) => /^[0-9a-f]{40}$/.test(l)))
  const wanted = [band, caps.has('ofs-delta') ? 'ofs-delta' : '', 'agent=git/zoi'].filter(Boolean).join(' ')
  const request: Uint8Array[] = [pktLine(`want ${opts.want} ${wanted}\n`)]
  if (caps.has('shallow')) for (const oid of shallow) request.push(pktLine(`shallow ${oid}\n`))
  if (opts.depth !== undefined) request.push(pktLine(`deepen ${opts.depth}\n`))
  request.push(FLUSH)
  if (opts.have) request.push(pktLine(`have ${opts.have}\n`))
  request.push(pktLine('done\n'))

  const answer = opts.net.request({
    url: `${opts.ad.base}/git-upload-pack`,
    method: 'POST',
    headers: { ...opts.ad.headers, 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result' },
    body: Buffer.concat(request),
  })
  const res = await answer
  if (res.status !== 200) {
    for await (const c of res.body) void c
    throw httpStatusError(where, res.status, res.statusText, { data: { url: where, status: res.status } })
  }

  const packDir = join(opts.gitdir, 'objects', 'pack')
  const tmp = join(packDir, `tmp_pack_${process.pid}_${crypto.randomUUID().slice(0, 8)}`)
  let largestBlob = 0
  let blobs = new Map<string, Uint8Array>()
  try {
    const bytes = await receive(opts, res.body, `${tmp}.pack`, shallow)
    if (bytes < 32) throw incomplete(where, `a pack of ${bytes} bytes`)
    const indexed = indexPack(`${tmp}.pack`, where, {
      onProgress: (loaded, total) => opts.report?.({ kind: 'advance', phase: 'sync', loaded, total, item: 'indexing objects', unit: 'objects' }),
      keepBlobs: opts.keepBlobs,
    })
    largestBlob = indexed.largestBlob
    blobs = indexed.blobs
    if (indexed.objects > 0) {
      // The pack first: readers find packs through their .idx, which must not precede its pack.
      renameSync(`${tmp}.pack`, join(packDir, `pack-${indexed.checksum}.pack`))
      renameSync(`${tmp}.idx`, join(packDir, `pack-${indexed.checksum}.idx`))
    }
  } finally {
    rmSync(`${tmp}.pack`, { force: true })
    rmSync(`${tmp}.idx`, { force: true })
  }
  if (shallow.size > 0) writeFileSync(shallowFile, [...shallow].map((oid) => `${oid}\n`).join(''))
  else rmSync(shallowFile, { force: true })
  return { largestBlob, blobs }
}

/**
 * Demultiplexes the upload-pack answer: pack bytes into `file`, shallow/unshallow lines into
 * `shallow`, progress to the report. The pack must be followed by the closing flush; a body that
 * ends before it was cut short. Returns the pack's size.
 */
async function receive(opts: SmartFetch, body: AsyncIterable<Uint8Array>, file: string, shallow: Set<string>): Promise<number> {
  const where = redactUrl(opts.url)
  const out = openSync(file, 'w')
  let bytes = 0
  let reported = 0
  try {
    for await (const pkt of streamPktLines(limitBody(body, opts.url), (d) => incomplete(where, d))) {
      if (pkt === null) {
        if (bytes > 0) return bytes // the flush after the pack
        continue
      }
      switch (pkt[0]) {
        case 1:
          writeAll(out, pkt.subarray(1))
          bytes += pkt.length - 1
          if (bytes - reported >= 1 << 20) {
            reported = bytes
            opts.report?.({ kind: 'advance', phase: 'sync', loaded: bytes, item: 'receiving objects', unit: 'bytes' })
          }
          break
        case 2:
          progress(opts.report, text.decode(pkt.subarray(1)))
          break
        case 3:
          throw remoteError(where, text.decode(pkt.subarray(1)))
        default: {
          const line = text.decode(pkt).trim()
          if (line.startsWith('ERR ')) throw remoteError(where, line.slice(4))
          const m = /^(shallow|unshallow) ([0-9a-f]{40})$/.exec(line)
          if (m?.[1] === 'shallow') shallow.add(m[2]!)
          else if (m) shallow.delete(m[2]!)
          // ACK / NAK lines of the negotiation need no answer: `done` was sent already.
        }
      }
    }
    throw incomplete(where, bytes > 0 ? `the pack stops after ${bytes} bytes` : 'no pack arrived')
  } finally {
    closeSync(out)
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done)
}

/** Server progress (`Counting objects:  50% (3/6)\r`) as advance events. */
function progress(report: Report | undefined, message: string): void {
  if (!report) return
  for (const part of message.split(/[\r\n]+/)) {
    const m = PROGRESS.exec(part)
    if (m) report({ kind: 'advance', phase: 'sync', loaded: Number(m[2]), total: Number(m[3]) || undefined, item: m[1]!.trim(), unit: 'objects' })
  }
}
