/**
 * `zoi serve <dir>`: serve a mirror folder over HTTP until the process is told to stop.
 * Loopback by default: exposing a folder to the LAN is an explicit `--host 0.0.0.0`.
 */
import type { Context } from '../context.ts'
import { DEFAULT_SERVE_PORT } from '../config/schema.ts'
import { ZoiError } from '../errors.ts'
import { startMirrorServer, type MirrorServer } from '../mirror/index.ts'

export interface ServeOptions {
  dir: string
  host?: string
  port?: number
}

export const DEFAULT_HOST = '127.0.0.1'

export async function startServe(ctx: Context, opts: ServeOptions): Promise<MirrorServer> {
  const port = opts.port ?? DEFAULT_SERVE_PORT
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ZoiError('USAGE', `--port ${opts.port} is not a port number (0–65535)`)
  const server = await startMirrorServer({ dir: opts.dir, host: opts.host ?? DEFAULT_HOST, port })
  ctx.report({ kind: 'info', text: `serving ${opts.dir} at ${server.url}` })
  return server
}

/** Resolves on the first SIGINT or SIGTERM, so the caller can stop the server and exit 0. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      done(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}
