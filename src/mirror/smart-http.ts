/**
 * git smart-HTTP for the bare repositories inside a served folder, read-only: `GET <repo>/info/
 * refs?service=git-upload-pack` and `POST <repo>/git-upload-pack`, with the embedded git
 * library (the serving machine needs no git). `<repo>` may omit its `.git` suffix; pushes are
 * refused. Other paths are not git requests and fall through to static files.
 */
import { stat } from 'node:fs/promises'
import { ZoiError, describeError, errnoCode, isZoiError } from '../errors.ts'
import { encodeAdvertisement, listAdvertisedRefs } from './ref-advertisement.ts'
import { resolveInside } from './request-path.ts'
import { textResponse } from './static-files.ts'
import { MAX_REQUEST_BYTES, answerUploadPack, parseUploadRequest } from './upload-pack.ts'
import { zlib } from '../platform/node-lazy.ts'

const NO_CACHE = { 'cache-control': 'no-cache' }

/** A git request's repository path and service, or undefined for a non-git path. */
export function matchGitRequest(segments: readonly string[]): { repo: string[]; service: 'refs' | 'upload-pack' | 'receive-pack' } | undefined {
  const n = segments.length
  if (n >= 3 && segments[n - 2] === 'info' && segments[n - 1] === 'refs') return { repo: segments.slice(0, -2), service: 'refs' }
  if (n >= 2 && segments[n - 1] === 'git-upload-pack') return { repo: segments.slice(0, -1), service: 'upload-pack' }
  if (n >= 2 && segments[n - 1] === 'git-receive-pack') return { repo: segments.slice(0, -1), service: 'receive-pack' }
  return undefined
}

export async function answerGit(root: string, req: Request, url: URL, match: NonNullable<ReturnType<typeof matchGitRequest>>): Promise<Response | undefined> {
  const gitdir = await findBareRepo(root, match.repo)
  if (gitdir === undefined) return undefined
  const service = url.searchParams.get('service')
  if (match.service === 'receive-pack' || service === 'git-receive-pack') return textResponse(403, 'this server is read-only: pushing is not allowed')
  if (match.service === 'refs') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return textResponse(405, 'method not allowed', { allow: 'GET, HEAD' })
    if (service !== 'git-upload-pack') return textResponse(403, 'only the smart protocol (service=git-upload-pack) is served')
    const body = encodeAdvertisement(await listAdvertisedRefs(gitdir))
    return new Response(req.method === 'HEAD' ? null : body, {
      headers: { 'content-type': 'application/x-git-upload-pack-advertisement', ...NO_CACHE },
    })
  }
  if (req.method !== 'POST') return textResponse(405, 'method not allowed', { allow: 'POST' })
  const body = await readRequestBody(req)
  if (body === undefined) return textResponse(413, `request too large: an upload-pack request may be at most ${MAX_REQUEST_BYTES} bytes`)
  let request
  try {
    request = parseUploadRequest(body)
  } catch (e) {
    return textResponse(400, isZoiError(e) ? e.message : describeError(e))
  }
  const { tips } = await listAdvertisedRefs(gitdir)
  return new Response(streamOf(answerUploadPack(gitdir, request, tips)), {
    headers: { 'content-type': 'application/x-git-upload-pack-result', ...NO_CACHE },
  })
}

/**
 * The request body, at most MAX_REQUEST_BYTES both as sent and after gunzip (a small gzip
 * can expand a thousandfold); undefined when larger. Read as a stream, so an oversized body
 * is cut off without being held in memory.
 */
async function readRequestBody(req: Request): Promise<Uint8Array | undefined> {
  if (Number(req.headers.get('content-length') ?? 0) > MAX_REQUEST_BYTES) return undefined
  const chunks: Uint8Array[] = []
  let size = 0
  if (req.body) {
    for await (const chunk of req.body) {
      size += chunk.byteLength
      if (size > MAX_REQUEST_BYTES) return undefined
      chunks.push(chunk)
    }
  }
  const body = Buffer.concat(chunks)
  if (req.headers.get('content-encoding') !== 'gzip') return body
  try {
    return zlib().gunzipSync(body, { maxOutputLength: MAX_REQUEST_BYTES })
  } catch (e) {
    if (errnoCode(e) === 'ERR_BUFFER_TOO_LARGE') return undefined
    throw new ZoiError('USAGE', `the request body is not valid gzip: ${describeError(e)}`)
  }
}

/** The bare repository at `segments` (or `segments` + `.git`) inside `root`. */
async function findBareRepo(root: string, segments: string[]): Promise<string | undefined> {
  if (segments.length === 0) return undefined
  const last = segments[segments.length - 1]!
  const names = last.endsWith('.git') ? [segments] : [segments, [...segments.slice(0, -1), `${last}.git`]]
  for (const candidate of names) {
    const dir = await resolveInside(root, candidate)
    if (dir !== undefined && (await isBareRepo(dir))) return dir
  }
  return undefined
}

export async function isBareRepo(dir: string): Promise<boolean> {
  const [head, objects, refs] = await Promise.all(['HEAD', 'objects', 'refs'].map((n) => stat(`${dir}/${n}`).catch(() => undefined)))
  return Boolean(head?.isFile() && objects?.isDirectory() && refs?.isDirectory())
}

/**
 * A pull-driven stream over the generator, so a slow client slows the pack writer. An error
 * after the first byte can only cut the response short, which git clients detect.
 */
function streamOf(chunks: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      try {
        const next = await chunks.next()
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      } catch (e) {
        controller.error(e)
      }
    },
    async cancel() {
      await chunks.return(undefined)
    },
  })
}
