/**
 * A git smart-HTTP server for tests (after git-http-mock-server's middleware): every request is
 * piped through the system `git upload-pack --stateless-rpc`. Repositories are folders (bare or
 * working) under `reposRoot`, addressed as `<url>/<name>`. Fault injection lets tests cut the
 * next pack response short to prove an interrupted sync leaves the previous clone usable.
 */
import { existsSync, statSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'

export interface GitServer {
  /** Base URL without a trailing slash: `http://127.0.0.1:<port>`. */
  readonly url: string
  /** How many HTTP requests have arrived so far. */
  readonly requests: number
  /** The next upload-pack POST answers `status` instead of a pack. */
  failNextUploadPack(status: number): void
  /** The next upload-pack POST sends only the first `bytes` bytes of the real response. */
  cutNextUploadPackAfter(bytes: number): void
  stop(): Promise<void>
}

const PATH_RE = /^\/(.+?)\/(info\/refs|git-upload-pack)$/

export function startGitServer(reposRoot: string): GitServer {
  let requests = 0
  let failStatus: number | undefined
  let cutAfter: number | undefined

  function repoDir(name: string): string | undefined {
    const dir = resolve(reposRoot, decodeURIComponent(name))
    if (!dir.startsWith(resolve(reposRoot) + sep)) return undefined
    for (const candidate of [dir, dir + '.git']) {
      if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate
    }
    return undefined
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      requests++
      const url = new URL(req.url)
      const match = PATH_RE.exec(url.pathname)
      const dir = match ? repoDir(match[1]!) : undefined
      if (!match || !dir) return new Response('not found\n', { status: 404 })
      const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } as Record<string, string>
      const protocol = req.headers.get('git-protocol')
      if (protocol) env.GIT_PROTOCOL = protocol

      if (match[2] === 'info/refs') {
        if (req.method !== 'GET' || url.searchParams.get('service') !== 'git-upload-pack') {
          return new Response('only git-upload-pack is served\n', { status: 403 })
        }
        const refs = await runUploadPack(dir, ['--advertise-refs'], undefined, env)
        const header = pktLine('# service=git-upload-pack\n') + '0000'
        return new Response(Buffer.concat([Buffer.from(header), refs]), {
          headers: {
            'content-type': 'application/x-git-upload-pack-advertisement',
            'cache-control': 'no-cache',
          },
        })
      }

      if (req.method !== 'POST') return new Response('method not allowed\n', { status: 405 })
      if (failStatus !== undefined) {
        const status = failStatus
        failStatus = undefined
        return new Response(`injected failure ${status}\n`, { status })
      }
      let body = new Uint8Array(await req.arrayBuffer())
      if (req.headers.get('content-encoding') === 'gzip') body = Bun.gunzipSync(body)
      const out = await runUploadPack(dir, [], body, env)
      const headers = { 'content-type': 'application/x-git-upload-pack-result', 'cache-control': 'no-cache' }
      if (cutAfter === undefined) return new Response(out, { headers })
      const limit = cutAfter
      cutAfter = undefined
      return new Response(truncatedStream(out, limit), { headers })
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}`,
    get requests() {
      return requests
    },
    failNextUploadPack(status) {
      failStatus = status
    },
    cutNextUploadPackAfter(bytes) {
      cutAfter = bytes
    },
    async stop() {
      await server.stop(true)
    },
  }
}

function pktLine(s: string): string {
  return (s.length + 4).toString(16).padStart(4, '0') + s
}

async function runUploadPack(dir: string, extra: string[], input: Uint8Array | undefined, env: Record<string, string>): Promise<Buffer> {
  const proc = Bun.spawn(['git', 'upload-pack', '--stateless-rpc', ...extra, dir], {
    env,
    stdin: input ?? 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).arrayBuffer(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  if (code !== 0) throw new Error(`git upload-pack failed (${code}) for ${join(dir)}: ${err.trim()}`)
  return Buffer.from(out)
}

/**
 * Sends the first `limit` bytes, then ends the (chunked) response as if a proxy gave up. Erroring
 * the stream instead would also reset the socket, but Bun logs that as an uncaught error.
 */
function truncatedStream(data: Uint8Array, limit: number): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async start(controller) {
      controller.enqueue(data.subarray(0, Math.min(limit, data.length)))
      await Bun.sleep(20)
      controller.close()
    },
  })
}
