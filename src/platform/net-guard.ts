/**
 * The network edge's policy, as pure logic: which failures mean "this host is down" (remembered
 * for the rest of the run instead of retried per file), and which addresses a registry may not
 * make zoi contact. Link-local addresses (169.254.0.0/16, fe80::/10) are where cloud metadata
 * services answer with credentials; a registry's `pkg:` link or a redirect must not reach them
 * unless the user named that host in their own configuration.
 */
import { errnoCode } from '../errors.ts'

/** `https://user:secret@host/x` → `https://***@host/x`; applied to every URL in a message. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/i, '$1***@')
}

export function isRemoteUrl(s: string): boolean {
  return /^https?:\/\//i.test(s)
}

/** Errors that say the host cannot be reached at all: retrying the next file will not help. */
const HOST_DOWN_CODES = new Set(['ENOTFOUND', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_NONAME', 'ConnectionRefused'])

/** The error code when `e` means the host is unreachable, else undefined. */
export function hostDownCode(e: unknown): string | undefined {
  const code = errnoCode(e)
  if (code !== undefined && HOST_DOWN_CODES.has(code)) return code === 'ConnectionRefused' ? 'ECONNREFUSED' : code
  return undefined
}

/** `http://host:port`: what "a host" means for the down-list (scheme and port included). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

/** The host name of a URL without IPv6 brackets, lower-cased. */
export function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase()
  } catch {
    return ''
  }
}

/** An IP literal (v4 or v6), without brackets or zone. */
export function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':')
}

/** 169.254.0.0/16, fe80::/10, and both as IPv4-mapped IPv6 (`::ffff:169.254.1.1`). */
export function isLinkLocalAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/%.*$/, '')
  const mapped = /^(?:0*:)*:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a)
  const v4 = mapped ? mapped[1]! : a
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v4)) {
    const [x, y] = v4.split('.').map(Number)
    return x === 169 && y === 254
  }
  const hexMapped = /^(?:0*:)*:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a)
  if (hexMapped) return parseInt(hexMapped[1]!, 16) === 0xa9fe
  if (!a.includes(':')) return false
  const first = a.startsWith('::') ? 0 : parseInt(a.split(':')[0]!, 16)
  return (first & 0xffc0) === 0xfe80
}

/**
 * The hosts the user chose (configured registries, cache_mirrors, a URL given on the command
 * line): only these may be link-local.
 */
export class TrustedHosts {
  private readonly hosts = new Set<string>()

  constructor(urls: readonly string[] = []) {
    for (const url of urls) this.add(url)
  }

  add(url: string): void {
    const host = hostnameOf(url)
    if (host !== '') this.hosts.add(host)
  }

  has(url: string): boolean {
    return this.hosts.has(hostnameOf(url))
  }
}
