/**
 * Read-only static files for the mirror server: GET and HEAD, a single byte range (206/416),
 * strong ETags and Last-Modified with conditional requests (304), If-Range, and content types
 * for archives and sidecars. Errors are short plain-text bodies, never HTML.
 */
import { stat } from 'node:fs/promises'

const TYPES: [RegExp, string][] = [
  [/\.(zst|zpa|zsa)$/, 'application/zstd'],
  [/\.(hash|size|files|sha512|sha256|txt|lua)$/, 'text/plain; charset=utf-8'],
  [/\.json$/, 'application/json'],
  [/\.ya?ml$/, 'application/yaml'],
  [/\.html?$/, 'text/html; charset=utf-8'],
  [/\.(tar\.)?gz$/, 'application/gzip'],
  [/\.tar$/, 'application/x-tar'],
]

export function contentTypeOf(path: string): string {
  return TYPES.find(([re]) => re.test(path))?.[1] ?? 'application/octet-stream'
}

export function textResponse(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } })
}

/** Serves the regular file at `path` (already resolved inside the served folder). */
export async function serveFile(req: Request, path: string): Promise<Response> {
  const info = await stat(path).catch(() => undefined)
  if (!info?.isFile()) return textResponse(404, 'not found')
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`
  const lastModified = new Date(Math.floor(info.mtimeMs / 1000) * 1000)
  const headers: Record<string, string> = {
    'accept-ranges': 'bytes',
    etag,
    'last-modified': lastModified.toUTCString(),
    'content-type': contentTypeOf(path),
    'cache-control': 'no-cache',
  }
  if (notModified(req, etag, lastModified)) return new Response(null, { status: 304, headers })

  const range = rangeApplies(req, etag, lastModified) ? parseRange(req.headers.get('range'), info.size) : undefined
  if (range === 'unsatisfiable') return textResponse(416, 'range not satisfiable', { 'content-range': `bytes */${info.size}` })
  const { start, end } = range ?? { start: 0, end: info.size - 1 }
  const length = Math.max(0, end - start + 1)
  headers['content-length'] = String(length)
  if (range) headers['content-range'] = `bytes ${start}-${end}/${info.size}`
  const status = range ? 206 : 200
  if (req.method === 'HEAD' || length === 0) return new Response(null, { status, headers })
  return new Response(Bun.file(path).slice(start, end + 1), { status, headers })
}

/** If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2). */
function notModified(req: Request, etag: string, lastModified: Date): boolean {
  const inm = req.headers.get('if-none-match')
  if (inm !== null) return inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
  const ims = req.headers.get('if-modified-since')
  if (ims === null) return false
  const since = Date.parse(ims)
  return !Number.isNaN(since) && lastModified.getTime() <= since
}

/** A Range is honoured only when If-Range (if any) still describes this file. */
function rangeApplies(req: Request, etag: string, lastModified: Date): boolean {
  const ifRange = req.headers.get('if-range')
  if (ifRange === null) return true
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return ifRange.trim() === etag
  return Date.parse(ifRange) === lastModified.getTime()
}

/**
 * `bytes=a-b`, `bytes=a-`, `bytes=-n`. Several ranges are answered with the whole file (allowed
 * by RFC 9110), a malformed header is ignored, and a range outside the file is 416.
 */
export function parseRange(header: string | null, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === null) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return undefined
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (start >= size) return 'unsatisfiable'
  if (end < start) return undefined
  return { start, end }
}
