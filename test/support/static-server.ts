/**
 * A static file server for tests: GET/HEAD of files under `dir`, byte ranges (206/416), ETag and
 * Last-Modified, HTML error pages (clients must treat any non-2xx as a miss, whatever the body),
 * and fault injection: fail the next request of a path, or drop the connection after N bytes.
 * Built on node:http rather than Bun.serve because a drop must keep the full Content-Length
 * header (Bun.serve turns streamed bodies into chunked ones), so the client sees a short body.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve, sep } from 'node:path'

export interface StaticServer {
  /** Base URL without a trailing slash. */
  readonly url: string
  /** One entry per request: `GET /a/b` or, with a Range header, `GET /a/b bytes=5-`. */
  readonly hits: string[]
  /** The next request of `path` (e.g. `/x.pkg.tar.zst`) answers `status` with an HTML page. */
  failNext(path: string, status: number): void
  /** The next GET of `path` announces the full length, sends `bytes` bytes, then drops. */
  dropNextAfter(path: string, bytes: number): void
  stop(): Promise<void>
}

type Range = { start: number; end: number } | 'unsatisfiable' | undefined

export async function startStaticServer(dir: string): Promise<StaticServer> {
  const root = resolve(dir)
  const hits: string[] = []
  const failures = new Map<string, number>()
  const drops = new Map<string, number>()

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const range = req.headers.range ?? null
    hits.push(`${req.method} ${url.pathname}${range ? ' ' + range : ''}`)
    if (req.method !== 'GET' && req.method !== 'HEAD') return htmlPage(res, 405, 'Method Not Allowed')
    const failure = failures.get(url.pathname)
    if (failure !== undefined) {
      failures.delete(url.pathname)
      return htmlPage(res, failure, 'Injected Failure')
    }
    let rel: string
    try {
      rel = decodeURIComponent(url.pathname)
    } catch {
      return htmlPage(res, 400, 'Bad Request')
    }
    // Security: resolve first, then require the result to stay inside the served folder.
    const path = resolve(root, '.' + rel)
    if (path !== root && !path.startsWith(root + sep)) return htmlPage(res, 403, 'Forbidden')
    const info = await stat(path).catch(() => undefined)
    if (!info?.isFile()) return htmlPage(res, 404, 'Not Found')

    const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`
    res.setHeader('accept-ranges', 'bytes')
    res.setHeader('etag', etag)
    res.setHeader('last-modified', info.mtime.toUTCString())
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304).end()
    const parsed = parseRange(range, info.size)
    if (parsed === 'unsatisfiable') {
      return htmlPage(res, 416, 'Range Not Satisfiable', { 'content-range': `bytes */${info.size}` })
    }
    const { start, end } = parsed ?? { start: 0, end: info.size - 1 }
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'content-length': String(Math.max(0, end - start + 1)),
    }
    if (parsed) headers['content-range'] = `bytes ${start}-${end}/${info.size}`
    res.writeHead(parsed ? 206 : 200, headers)
    if (req.method === 'HEAD' || info.size === 0) return void res.end()
    const drop = drops.get(url.pathname)
    if (drop === undefined) return void createReadStream(path, { start, end }).pipe(res)
    drops.delete(url.pathname)
    const partial = createReadStream(path, { start, end: Math.min(end, start + drop - 1) })
    partial.on('data', (chunk) => res.write(chunk))
    partial.on('end', () => setTimeout(() => res.destroy(), 20))
  })

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    failNext(path, status) {
      failures.set(path, status)
    },
    dropNextAfter(path, bytes) {
      drops.set(path, bytes)
    },
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
    },
  }
}

/** `bytes=a-`, `bytes=a-b`, `bytes=-n`; anything else or outside the file is unsatisfiable. */
export function parseRange(header: string | null, size: number): Range {
  if (header === null) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return 'unsatisfiable'
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (start >= size || end < start) return 'unsatisfiable'
  return { start, end }
}

function htmlPage(res: ServerResponse, status: number, title: string, extra: Record<string, string> = {}): void {
  const body = `<!doctype html>\n<html><head><title>${status} ${title}</title></head>` +
    `<body><h1>${status} ${title}</h1><p>This is an error page, not a file.</p></body></html>\n`
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body), ...extra })
  res.end(body)
}
