/**
 * The HTTP server behind `zoi serve`: one Bun.serve that answers git smart-HTTP for bare
 * repositories inside the folder and static files for everything else. Read-only, and every
 * failure inside a request becomes a plain-text 500 for that request only.
 */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ZoiError, describeError, errnoCode } from '../errors.ts'
import { resolveInside, splitRequestPath } from './request-path.ts'
import { answerGit, matchGitRequest } from './smart-http.ts'
import { serveFile, textResponse } from './static-files.ts'

export interface MirrorServerOptions {
  dir: string
  host: string
  port: number
}

export interface MirrorServer {
  readonly url: string
  readonly host: string
  readonly port: number
  stop(): Promise<void>
}

export async function startMirrorServer(opts: MirrorServerOptions): Promise<MirrorServer> {
  const root = resolve(opts.dir)
  if (!(await stat(root).catch(() => undefined))?.isDirectory()) {
    throw new ZoiError('NOT_FOUND', `cannot serve '${opts.dir}': not a directory`, { hint: "create it with 'zoi mirror <dir>' first" })
  }
  let server: ReturnType<typeof Bun.serve>
  try {
    server = Bun.serve({
      hostname: opts.host,
      port: opts.port,
      // Bun's default (10 s) would cut a git request whose object walk takes longer on a big registry.
      idleTimeout: 120,
      fetch: (req) => answer(root, req).catch((e) => textResponse(500, `internal error: ${describeError(e)}`)),
      error: (e) => textResponse(500, `internal error: ${describeError(e)}`),
    })
  } catch (e) {
    throw listenError(e, opts)
  }
  const host = server.hostname ?? opts.host
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown}:${server.port}`,
    host,
    port: server.port ?? opts.port,
    async stop() {
      await server.stop(true)
    },
  }
}

/** Routes one request: git smart-HTTP where the path names a repository, else a static file. */
export async function answer(root: string, req: Request): Promise<Response> {
  const url = new URL(req.url)
  const path = splitRequestPath(url.pathname)
  if (!path.ok) return textResponse(path.status, path.reason)
  const git = matchGitRequest(path.segments)
  if (git) {
    const res = await answerGit(root, req, url, git)
    if (res) return res
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return textResponse(405, 'method not allowed: this server is read-only', { allow: 'GET, HEAD' })
  // A symlink leading outside the folder resolves to nothing: it is answered like a missing file.
  const file = await resolveInside(root, path.segments)
  return file === undefined ? textResponse(404, 'not found') : serveFile(req, file)
}

function listenError(e: unknown, opts: MirrorServerOptions): ZoiError {
  const code = errnoCode(e) ?? ''
  const where = `${opts.host}:${opts.port}`
  if (code === 'EADDRINUSE' || /in use/i.test(describeError(e))) {
    return new ZoiError('CONFLICT', `cannot serve on ${where}: the port is in use`, { hint: 'pick another one with --port (0 picks a free port)', cause: e })
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new ZoiError('PERMISSION', `cannot serve on ${where}: permission denied`, { hint: 'ports below 1024 need privileges; use --port 8080', cause: e })
  }
  return new ZoiError('NETWORK', `cannot serve on ${where}: ${describeError(e)}`, { cause: e })
}
