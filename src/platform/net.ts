/**
 * The single network edge. Every byte zoi moves over a network goes through a Net made here:
 * HTTP(S) for archives and sidecars, and the git smart-HTTP transport (registry/git.ts wraps
 * `request`). Offline mode is enforced HERE and nowhere else: an offline Net refuses before
 * any socket or DNS lookup happens, with exit 5 and the URL it would have needed.
 *
 * Also here, for every request: an idle timeout that covers the body as well as the headers
 * (net-body.ts); a host that refused or did not resolve is remembered for the rest of the run
 * and not retried; and no hop — the first URL or a redirect — may reach a link-local address
 * unless the user configured that host (net-guard.ts).
 */

import { mkdir, open as openFile, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ZoiError, describeError, isZoiError } from '../errors.ts'
import { collect, readBody, type Opened } from './net-body.ts'
import { TrustedHosts, hostDownCode, hostnameOf, isIpLiteral, isLinkLocalAddress, isRemoteUrl, originOf, redactUrl } from './net-guard.ts'

export interface NetOptions {
  offline: boolean
  /**
   * Idle timeout (ms): how long an attempt may go without progress — connecting, waiting for
   * the headers, or waiting for the next chunk of the body. A server that sends headers and then
   * stalls fails the attempt after this long. Default 30 s (`ZOI_NET_IDLE_TIMEOUT_MS` in the CLI).
   */
  timeoutMs?: number
  /** Extra attempts after the first for transient failures (network errors, 5xx, 429). */
  retries?: number
  /** First backoff delay (ms); doubles each retry. */
  backoffMs?: number
  /** Called between attempts; tests and the CLI use it to report retries. */
  onRetry?: (info: { url: string; attempt: number; error: string }) => void
  /** Called once per host found unreachable; later requests to it fail at once, uncontacted. */
  onHostDown?: (info: { host: string; error: string }) => void
  /** URLs the user configured (registries, cache_mirrors): only their hosts may be link-local. */
  trustedUrls?: readonly string[]
  /** Name resolution for the link-local check (all addresses of a host); tests inject one. */
  lookup?: (host: string) => Promise<string[]>
}

export interface RawRequest {
  url: string
  method?: string
  headers?: Record<string, string>
  /** A Blob (a file: `Bun.file(path)`) is streamed as it is sent, and sent again on a retry or redirect. */
  body?: Uint8Array | AsyncIterable<Uint8Array> | Blob
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
  /** Lets this run contact `url`'s host even when it is link-local (a URL the user typed). */
  trust(url: string): void
}

const DEFAULTS = { timeoutMs: 30_000, retries: 2, backoffMs: 250 }
const MAX_REDIRECTS = 10
const REDIRECTS = new Set([301, 302, 303, 307, 308])
const DOWN_REASONS: Record<string, string> = { ENOTFOUND: 'host not found', EAI_NONAME: 'host not found', ECONNREFUSED: 'connection refused' }

export { isRemoteUrl, redactUrl }

export function createNet(options: NetOptions): Net {
  // Options given as undefined keep their defaults.
  const opts = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & NetOptions
  const trusted = new TrustedHosts(opts.trustedUrls)
  const lookupOnce = opts.lookup ?? lookupAll
  /** host → its addresses, looked up once per run (a failed lookup is not kept). */
  const resolved = new Map<string, Promise<string[]>>()
  const lookup = (host: string): Promise<string[]> => {
    let p = resolved.get(host)
    if (!p) {
      p = lookupOnce(host)
      resolved.set(host, p)
      p.catch(() => resolved.delete(host))
    }
    return p
  }
  /** origin → why it is down; filled on the first ENOTFOUND/ECONNREFUSED of a host. */
  const down = new Map<string, string>()

  function refuseOffline(url: string): never {
    throw new ZoiError('OFFLINE', `offline mode forbids network access: needs ${redactUrl(url)}`, {
      hint: 'run without --offline (and with offline_mode off) on a machine with network access',
      data: { url: redactUrl(url) },
    })
  }

  function hostDown(url: string, code: string, cause?: unknown): ZoiError {
    const origin = originOf(url)
    if (!down.has(origin)) {
      down.set(origin, code)
      opts.onHostDown?.({ host: redactUrl(origin), error: code })
    }
    return new ZoiError('NETWORK', `cannot reach ${redactUrl(url)}: ${DOWN_REASONS[code] ?? 'host unreachable'} (${code})`, {
      cause, data: { url: redactUrl(url), hostDown: true, final: true },
    })
  }

  /**
   * Before any socket: a host already found down fails at once, and a host that is (or resolves
   * to) a link-local address is refused unless the user configured it.
   */
  async function checkDestination(url: string): Promise<void> {
    const known = down.get(originOf(url))
    if (known !== undefined) {
      throw new ZoiError('NETWORK', `cannot reach ${redactUrl(url)}: its host was unreachable earlier in this run (${known})`, {
        data: { url: redactUrl(url), hostDown: true, final: true },
      })
    }
    if (trusted.has(url)) return
    const host = hostnameOf(url)
    let addresses: string[]
    try {
      addresses = isIpLiteral(host) ? [host] : await lookup(host)
    } catch (e) {
      const code = hostDownCode(e)
      if (code) throw hostDown(url, code, e)
      throw new ZoiError('NETWORK', `cannot reach ${redactUrl(url)}: ${describeError(e)}`, { cause: e })
    }
    const linkLocal = addresses.find(isLinkLocalAddress)
    if (linkLocal !== undefined) {
      throw new ZoiError('NETWORK', `refusing to contact ${redactUrl(url)}: ${host} is a link-local address (${linkLocal}) that no configured registry or mirror names`, {
        hint: 'link-local addresses (169.254.0.0/16, fe80::/10) serve cloud metadata; a registry may not send zoi there. Configure the URL yourself (registry URL or cache_mirrors) if you mean it',
        data: { url: redactUrl(url), refused: true, final: true },
      })
    }
  }

  /** One attempt: redirects followed by hand, so every hop passes checkDestination. */
  async function attempt(req: RawRequest, extraHeaders: Record<string, string> = {}): Promise<Opened> {
    let url = req.url
    let method = req.method ?? 'GET'
    let body = req.body === undefined || req.body instanceof Blob ? req.body : await collect(req.body)
    let headers: Record<string, string> = { 'user-agent': 'zoi', ...req.headers, ...extraHeaders }
    for (let hop = 0; ; hop++) {
      await checkDestination(url)
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(), opts.timeoutMs)
      let res: Response
      try {
        res = await fetch(url, { method, headers, body, signal: controller.signal, redirect: 'manual' })
      } catch (e) {
        const code = hostDownCode(e)
        if (code && !controller.signal.aborted) throw hostDown(url, code, e)
        const reason = controller.signal.aborted ? `no answer within ${opts.timeoutMs} ms` : describeError(e)
        throw new ZoiError('NETWORK', `cannot reach ${redactUrl(url)}: ${reason}`, { cause: e })
      } finally {
        clearTimeout(timer)
      }
      const location = res.headers.get('location')
      if (!REDIRECTS.has(res.status) || location === null) return { res, url, controller }
      await res.body?.cancel()
      if (hop >= MAX_REDIRECTS) throw new ZoiError('NETWORK', `${redactUrl(req.url)}: too many redirects`)
      const next = new URL(location, url).href
      // As fetch does: 303 (and 301/302 after a POST) become a GET without body; credentials
      // never follow a redirect to another origin.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET'
        body = undefined
      }
      if (originOf(next) !== originOf(url)) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'))
      url = next
    }
  }

  /**
   * Retries network errors, 5xx and 429 with exponential backoff. `fn` returns an Opened whose
   * 5xx/429 is retried while attempts remain, or anything else, which is returned as is.
   */
  async function withRetries<T>(url: string, fn: () => Promise<T>): Promise<T> {
    if (opts.offline) refuseOffline(url)
    let lastError: unknown
    for (let i = 0; i <= opts.retries; i++) {
      if (i > 0) {
        opts.onRetry?.({ url: redactUrl(url), attempt: i, error: describeError(lastError) })
        await Bun.sleep(opts.backoffMs * 2 ** (i - 1))
      }
      try {
        const out = await fn()
        const res = (out as Partial<Opened> | undefined)?.res
        if (res instanceof Response && (res.status >= 500 || res.status === 429) && i < opts.retries) {
          lastError = new Error(`HTTP ${res.status}`)
          await res.body?.cancel()
          continue
        }
        return out
      } catch (e) {
        // A host that is down or refused stays so for this run: no retry.
        if (!isZoiError(e, 'NETWORK') || e.data?.final) throw e
        lastError = e
      }
    }
    throw lastError
  }

  function httpError(res: Response, url: string, final = true): ZoiError {
    return new ZoiError('NETWORK', `${redactUrl(url)} answered HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`, {
      data: { url: redactUrl(url), status: res.status, final },
    })
  }

  function open(req: RawRequest, extraHeaders?: Record<string, string>): Promise<Opened> {
    return withRetries(req.url, () => attempt(req, extraHeaders))
  }

  return {
    offline: opts.offline,

    trust(url) {
      trusted.add(url)
    },

    async request(req) {
      const o = await open(req)
      return {
        url: o.url,
        status: o.res.status,
        statusText: o.res.statusText,
        headers: Object.fromEntries(o.res.headers),
        body: readBody(o, opts.timeoutMs),
      }
    },

    async getText(url, headers) {
      // The body is read inside the retried step, so a body that stalls is retried too.
      const text = await withRetries(url, async () => {
        const o = await attempt({ url, headers })
        if (!o.res.ok) {
          await o.res.body?.cancel()
          // Only 5xx and 429 are worth another attempt; a 404 is the answer.
          throw httpError(o.res, url, o.res.status < 500 && o.res.status !== 429)
        }
        const chunks: Uint8Array[] = []
        for await (const c of readBody(o, opts.timeoutMs)) chunks.push(c)
        return new TextDecoder().decode(Buffer.concat(chunks))
      })
      return text
    },

    async download(url, dest, onBytes, headers) {
      if (opts.offline) refuseOffline(url)
      const part = dest + '.part'
      await mkdir(dirname(dest), { recursive: true })
      const have = await stat(part).then((s) => s.size, () => 0)
      const o = await open({ url, headers }, have > 0 ? { range: `bytes=${have}-` } : {})
      const res = o.res
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
      const fh = await openFile(part, 'a')
      try {
        for await (const chunk of readBody(o, opts.timeoutMs)) {
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

/** Every address of `host` (A and AAAA), for the link-local check. */
async function lookupAll(host: string): Promise<string[]> {
  const { lookup } = await import('node:dns/promises')
  return (await lookup(host, { all: true })).map((a) => a.address)
}
