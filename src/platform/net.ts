/**
 * The single network edge. Every byte zoi moves over a network goes through a Net made here:
 * HTTP(S) for archives and sidecars, and the git smart-HTTP transport (registry/git.ts wraps
 * `request`). Offline mode is enforced HERE and nowhere else: an offline Net refuses before
 * any socket or DNS lookup happens, with exit 5 and the URL it would have needed.
 */
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ZoiError, describeError, isZoiError } from '../errors.ts'

export interface NetOptions {
  offline: boolean
  /** Per-attempt timeout for connecting and receiving headers/idle body (ms). */
  timeoutMs?: number
  /** Extra attempts after the first for transient failures (network errors, 5xx, 429). */
  retries?: number
  /** First backoff delay (ms); doubles each retry. */
  backoffMs?: number
  /** Called between attempts; tests and the CLI use it to report retries. */
  onRetry?: (info: { url: string; attempt: number; error: string }) => void
}

export interface RawRequest {
  url: string
  method?: string
  headers?: Record<string, string>
  body?: Uint8Array | AsyncIterable<Uint8Array>
}

export interface RawResponse {
  url: string
  status: number
  statusText: string
  headers: Record<string, string>
  body: AsyncIterable<Uint8Array>
}

export interface DownloadResult {
  path: string
  bytes: number
  resumedFrom: number
}

export interface Net {
  readonly offline: boolean
  /** A request whose non-2xx status is returned, not thrown (the git transport needs that). */
  request(req: RawRequest): Promise<RawResponse>
  /** GET text; a non-2xx status is a NETWORK error naming the URL. */
  getText(url: string, headers?: Record<string, string>): Promise<string>
  /** GET into `dest` via `dest + '.part'`, resuming a partial file with HTTP Range. */
  download(url: string, dest: string, onBytes?: (loaded: number, total?: number) => void, headers?: Record<string, string>): Promise<DownloadResult>
}

const DEFAULTS = { timeoutMs: 30_000, retries: 2, backoffMs: 250 }

/** `https://user:secret@host/x` → `https://***@host/x`; applied to every URL in a message. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/i, '$1***@')
}

export function isRemoteUrl(s: string): boolean {
  return /^https?:\/\//i.test(s)
}

export function createNet(options: NetOptions): Net {
  const opts = { ...DEFAULTS, ...options }

  function refuseOffline(url: string): never {
    throw new ZoiError('OFFLINE', `offline mode forbids network access: needs ${redactUrl(url)}`, {
      hint: 'run without --offline (and with offline_mode off) on a machine with network access',
      data: { url: redactUrl(url) },
    })
  }

  async function attempt(req: RawRequest, extraHeaders: Record<string, string> = {}): Promise<Response> {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), opts.timeoutMs)
    try {
      const body = req.body === undefined ? undefined : await collect(req.body)
      return await fetch(req.url, {
        method: req.method ?? 'GET',
        headers: { 'user-agent': 'zoi', ...req.headers, ...extraHeaders },
        body,
        signal: controller.signal,
        redirect: 'follow',
      })
    } catch (e) {
      const reason = controller.signal.aborted ? `timed out after ${opts.timeoutMs} ms` : describeError(e)
      throw new ZoiError('NETWORK', `cannot reach ${redactUrl(req.url)}: ${reason}`, { cause: e })
    } finally {
      clearTimeout(timer)
    }
  }

  /** Retries network errors, 5xx and 429 with exponential backoff; other statuses return. */
  async function withRetries(req: RawRequest, extraHeaders?: Record<string, string>): Promise<Response> {
    if (opts.offline) refuseOffline(req.url)
    let lastError: unknown
    for (let i = 0; i <= opts.retries; i++) {
      if (i > 0) {
        opts.onRetry?.({ url: redactUrl(req.url), attempt: i, error: describeError(lastError) })
        await Bun.sleep(opts.backoffMs * 2 ** (i - 1))
      }
      try {
        const res = await attempt(req, extraHeaders)
        if ((res.status >= 500 || res.status === 429) && i < opts.retries) {
          lastError = new Error(`HTTP ${res.status}`)
          await res.body?.cancel()
          continue
        }
        return res
      } catch (e) {
        if (!isZoiError(e, 'NETWORK')) throw e
        lastError = e
      }
    }
    throw lastError
  }

  function httpError(res: Response, url: string): ZoiError {
    return new ZoiError('NETWORK', `${redactUrl(url)} answered HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`, {
      data: { url: redactUrl(url), status: res.status },
    })
  }

  return {
    offline: opts.offline,

    async request(req) {
      const res = await withRetries(req)
      return {
        url: res.url || req.url,
        status: res.status,
        statusText: res.statusText,
        headers: Object.fromEntries(res.headers),
        body: iterate(res.body),
      }
    },

    async getText(url, headers) {
      const res = await withRetries({ url, headers })
      if (!res.ok) {
        await res.body?.cancel()
        throw httpError(res, url)
      }
      return await res.text()
    },

    async download(url, dest, onBytes, headers) {
      if (opts.offline) refuseOffline(url)
      const part = dest + '.part'
      await mkdir(dirname(dest), { recursive: true })
      const have = await stat(part).then((s) => s.size, () => 0)
      const res = await withRetries({ url, headers }, have > 0 ? { range: `bytes=${have}-` } : {})
      if (!res.ok) {
        await res.body?.cancel()
        throw httpError(res, url)
      }
      // 206 = the server honoured the Range: append. 200 = it sent everything: start over.
      const resumedFrom = res.status === 206 ? have : 0
      if (resumedFrom === 0) await rm(part, { force: true })
      const length = Number(res.headers.get('content-length') ?? NaN)
      const total = Number.isFinite(length) ? length + resumedFrom : undefined
      let loaded = resumedFrom
      const fh = await open(part, 'a')
      try {
        for await (const chunk of iterate(res.body)) {
          await fh.write(chunk)
          loaded += chunk.byteLength
          onBytes?.(loaded, total)
        }
      } catch (e) {
        // The .part file stays: the next attempt resumes from it.
        throw new ZoiError('NETWORK', `download of ${redactUrl(url)} was interrupted: ${describeError(e)}`, { cause: e })
      } finally {
        await fh.close()
      }
      if (total !== undefined && loaded !== total) {
        throw new ZoiError('NETWORK', `download of ${redactUrl(url)} ended early: ${loaded} of ${total} bytes`)
      }
      await rename(part, dest)
      return { path: dest, bytes: loaded, resumedFrom }
    },
  }
}

async function collect(body: Uint8Array | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body
  const chunks: Uint8Array[] = []
  for await (const c of body) chunks.push(c)
  return Buffer.concat(chunks)
}

async function* iterate(body: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  if (!body) return
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}
