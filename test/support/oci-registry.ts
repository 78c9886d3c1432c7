/**
 * A small OCI distribution registry for tests that need token auth (the CNCF registry needs a
 * signing certificate for that): the Bearer challenge flow with a token endpoint checking Basic
 * credentials, blobs (HEAD/GET, monolithic POST+PUT upload) and manifests (GET/PUT by tag).
 */
import { createHash } from 'node:crypto'

export interface FakeOciRegistry {
  readonly url: string
  readonly host: string
  /** Requests seen, e.g. `GET /v2/zoi/hello/manifests/1.0.0-linux-amd64 401`. */
  readonly log: string[]
  readonly blobs: Map<string, Uint8Array>
  stop(): Promise<void>
}

export function startFakeOciRegistry(user: string, password: string): FakeOciRegistry {
  const blobs = new Map<string, Uint8Array>()
  const manifests = new Map<string, Uint8Array>()
  const uploads = new Set<string>()
  const log: string[] = []
  const token = 'tok-' + createHash('sha256').update(`${user}:${password}`).digest('hex').slice(0, 16)
  let base = ''
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const url = new URL(req.url)
      const answer = (res: Response) => (log.push(`${req.method} ${url.pathname} ${res.status}`), res)
      if (url.pathname === '/token') {
        const basic = req.headers.get('authorization') ?? ''
        const ok = basic === `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
        return answer(ok ? Response.json({ token }) : new Response('denied', { status: 401 }))
      }
      if (!url.pathname.startsWith('/v2/')) return answer(new Response('not found', { status: 404 }))
      if (req.headers.get('authorization') !== `Bearer ${token}`) {
        const scope = 'repository:x:pull'
        return answer(new Response('{"errors":[{"code":"UNAUTHORIZED"}]}', {
          status: 401, headers: { 'www-authenticate': `Bearer realm="${base}/token",service="fake",scope="${scope}"` },
        }))
      }
      const m = /^\/v2\/(.+)\/(blobs|manifests)\/(.+)$/.exec(url.pathname)
      const up = /^\/v2\/(.+)\/blobs\/uploads\/(.*)$/.exec(url.pathname)
      if (up && req.method === 'POST') {
        const id = crypto.randomUUID()
        uploads.add(id)
        return answer(new Response(null, { status: 202, headers: { location: `/v2/${up[1]}/blobs/uploads/${id}` } }))
      }
      if (up && req.method === 'PUT' && uploads.has(up[2]!)) {
        const body = new Uint8Array(await req.arrayBuffer())
        const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`
        if (digest !== url.searchParams.get('digest')) return answer(new Response('bad digest', { status: 400 }))
        blobs.set(digest, body)
        return answer(new Response(null, { status: 201 }))
      }
      if (m && m[2] === 'blobs') {
        const blob = blobs.get(m[3]!)
        if (!blob) return answer(new Response('unknown blob', { status: 404 }))
        return answer(new Response(req.method === 'HEAD' ? null : blob, { headers: { 'content-length': String(blob.length) } }))
      }
      if (m && m[2] === 'manifests') {
        const key = `${m[1]}:${m[3]}`
        if (req.method === 'PUT') {
          manifests.set(key, new Uint8Array(await req.arrayBuffer()))
          return answer(new Response(null, { status: 201 }))
        }
        const body = manifests.get(key)
        return answer(body ? new Response(body, { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } }) : new Response('unknown manifest', { status: 404 }))
      }
      return answer(new Response('unsupported', { status: 405 }))
    },
  })
  base = `http://127.0.0.1:${server.port}`
  return { url: base, host: `127.0.0.1:${server.port}`, log, blobs, stop: async () => void server.stop(true) }
}
