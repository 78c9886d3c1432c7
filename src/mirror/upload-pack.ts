/**
 * The server's side of `git-upload-pack` over stateless HTTP (protocol v0/v1, no multi_ack):
 * each POST carries the whole request — wants, the client's shallow list, `deepen N`, haves —
 * and is answered in full, the way `git upload-pack --stateless-rpc` answers it: wants alone get
 * only the shallow update; a round without `done` gets ACK of the first common have, or NAK;
 * with `done` come the shallow update, ACK/NAK and the pack.
 */
import { ZoiError } from '../errors.ts'
import { collectObjects } from './object-walk.ts'
import { writePack } from './pack-writer.ts'
import { FLUSH, pktLine, readPktLines, sideBand } from '../registry/git-pkt-line.ts'

export interface UploadRequest {
  wants: string[]
  haves: string[]
  shallows: string[]
  depth?: number
  capabilities: Set<string>
  /** Packets followed the wants section (haves, a flush or done): a negotiation round or more. */
  negotiating: boolean
  done: boolean
}

const OID = /^[0-9a-f]{40}$/

/**
 * Limits on one request, so a client cannot make the server hold or walk without bound. A real
 * fetch wants the few advertised tips; its haves come in rounds that grow to 16,384 lines over
 * stateless HTTP (about 800 KiB), which 10 MiB leaves ample room for.
 */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024
export const MAX_WANTS = 1000

export function parseUploadRequest(body: Uint8Array): UploadRequest {
  const req: UploadRequest = { wants: [], haves: [], shallows: [], capabilities: new Set(), negotiating: false, done: false }
  let section = 0
  for (const line of readPktLines(body)) {
    if (section > 0) req.negotiating = true
    if (line === null) {
      section++
      continue
    }
    const [word, arg, ...caps] = line.split(' ')
    switch (word) {
      case 'want':
        if (req.wants.length === 0) for (const c of caps) req.capabilities.add(c)
        if (req.wants.length >= MAX_WANTS) throw new ZoiError('USAGE', `too many want lines: at most ${MAX_WANTS} in one request`)
        req.wants.push(oidArg(arg, line))
        break
      case 'have':
        req.haves.push(oidArg(arg, line))
        break
      case 'shallow':
        req.shallows.push(oidArg(arg, line))
        break
      case 'deepen': {
        const depth = Number(arg)
        if (!Number.isSafeInteger(depth) || depth < 1) throw new ZoiError('USAGE', `bad git request line '${line}'`)
        req.depth = depth
        break
      }
      case 'done':
        req.done = true
        break
      default:
        throw new ZoiError('USAGE', `unsupported git request line '${line.slice(0, 60)}'`, { hint: 'this server speaks protocol v0/v1 upload-pack without deepen-since/deepen-not' })
    }
  }
  return req
}

function oidArg(arg: string | undefined, line: string): string {
  if (arg === undefined || !OID.test(arg)) throw new ZoiError('USAGE', `bad git request line '${line.slice(0, 60)}'`)
  return arg
}

/**
 * The response body. `tips` are the advertised ids: a want outside them is refused the way
 * git refuses it ("not our ref"), so unreferenced objects in the mirror are never handed out.
 */
export async function* answerUploadPack(gitdir: string, req: UploadRequest, tips: ReadonlySet<string>): AsyncGenerator<Uint8Array> {
  const foreign = req.wants.find((w) => !tips.has(w))
  if (foreign) {
    yield pktLine(`ERR upload-pack: not our ref ${foreign}\n`)
    return
  }
  if (req.wants.length === 0) return
  const cache = {}
  const walk = await collectObjects(gitdir, { wants: req.wants, haves: req.haves, clientShallows: req.shallows, depth: req.depth }, cache)
  if (req.depth !== undefined) {
    for (const oid of walk.shallow) yield pktLine(`shallow ${oid}\n`)
    yield FLUSH
  }
  // Only the wants section (git's first request of a shallow fetch): the shallow list is the answer.
  if (!req.negotiating) return
  if (!req.done) {
    yield pktLine(walk.common.length > 0 ? `ACK ${walk.common[0]}\n` : 'NAK\n')
    return
  }
  yield pktLine(walk.common.length > 0 ? `ACK ${walk.common[walk.common.length - 1]}\n` : 'NAK\n')
  const large = req.capabilities.has('side-band-64k')
  const banded = large || req.capabilities.has('side-band')
  for await (const chunk of coalesce(writePack(gitdir, walk.oids, cache), 64 * 1024)) {
    if (banded) yield* sideBand(chunk, 1, large)
    else yield chunk
  }
  if (banded) yield FLUSH
}

/** Joins small chunks (one per object) into pieces of about `size` bytes: fewer packets and writes. */
async function* coalesce(chunks: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = []
  let length = 0
  for await (const chunk of chunks) {
    parts.push(chunk)
    length += chunk.length
    if (length >= size) {
      yield Buffer.concat(parts)
      parts = []
      length = 0
    }
  }
  if (length > 0) yield Buffer.concat(parts)
}
