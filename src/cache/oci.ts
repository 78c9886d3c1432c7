/**
 * OCI registries (distribution spec v1.1, as ORAS and Homebrew use them) as an archive store.
 * An archive `<name>-<version>-<os>-<arch>.<ext>` lives in repository `<namespace>/<name>` under
 * tag `<version>-<os>-<arch>`, as an artifact whose layers are the archive and its sidecars, each
 * titled with its file name (`org.opencontainers.image.title`); the manifest annotates the
 * archive's SHA-512. zoi addresses it as `oci://host[:port]/<namespace>/<file name>` — what a
 * `pkg:` link or a `cache_mirrors` entry of `oci://host/namespace` expands to.
 *
 * Transport: HTTPS, or plain HTTP for loopback hosts and `oci+http://`. Auth: anonymous, Basic,
 * or the Bearer token flow (401 challenge → token endpoint), with credentials from the URL's
 * user part (a `cache_mirrors` entry in the 0600 config) or ZOI_OCI_USERNAME/ZOI_OCI_PASSWORD;
 * they are never printed (URLs are redacted everywhere). Every request goes through the Net.
 */
import { ZoiError } from '../errors.ts'
import { redactUrl, type Net, type RawResponse } from '../platform/net.ts'
import { parseArchiveName } from './archive-name.ts'

export const OCI_MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  empty: 'application/vnd.oci.empty.v1+json',
  artifact: 'application/vnd.zoi.package.v1',
  archive: 'application/vnd.zoi.package.archive.v1',
  sidecar: 'application/vnd.zoi.package.sidecar.v1+text',
  signature: 'application/pgp-signature',
} as const
export const TITLE = 'org.opencontainers.image.title'
export const SHA512_ANNOTATION = 'dev.zoi.archive.sha512'

const SIDECARS = ['.hash', '.size', '.files', '.sig']

export interface OciTarget {
  /** `http(s)://host[:port]` */
  base: string
  host: string
  namespace: string
  username?: string
  password?: string
}

export interface OciDescriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
}

export interface OciManifest {
  schemaVersion: 2
  mediaType: string
  artifactType?: string
  config: OciDescriptor
  layers: OciDescriptor[]
  annotations?: Record<string, string>
}

export function isOciUrl(url: string): boolean {
  return /^oci(\+https?)?:\/\//i.test(url)
}

/** `oci://[user:pass@]host[:port]/<namespace>` (the namespace may have several segments). */
export function parseOciTarget(url: string): OciTarget {
  const m = /^oci(?:\+(https?))?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)\/(.+?)\/*$/i.exec(url)
  if (!m) throw new ZoiError('USAGE', `'${redactUrl(url)}' is not an OCI location`, { hint: 'use oci://host[:port]/<namespace>' })
  const host = m[4]!
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i.test(host)
  const scheme = m[1]?.toLowerCase() ?? (loopback ? 'http' : 'https')
  const username = m[2] ? decodeURIComponent(m[2]) : process.env.ZOI_OCI_USERNAME
  const password = m[3] ? decodeURIComponent(m[3]) : process.env.ZOI_OCI_PASSWORD
  return { base: `${scheme}://${host}`, host, namespace: m[5]!.toLowerCase(), username, password }
}

/** Repository, tag and layer title of one archive file (or one of its sidecars). */
export function ociReference(fileName: string): { name: string; tag: string; archive: string } {
  const archive = SIDECARS.reduce((f, s) => (f.endsWith(s) ? f.slice(0, -s.length) : f), fileName)
  const parsed = parseArchiveName(archive)
  if (!parsed) throw new ZoiError('USAGE', `'${fileName}' is not an archive file name (<name>-<version>-<os>-<arch>.pkg.tar.zst)`)
  return { name: parsed.name.toLowerCase(), tag: `${parsed.version}-${parsed.platform}`.replace(/[^A-Za-z0-9_.-]/g, '_'), archive }
}

/** An authenticated session with one registry host: the token is fetched once per scope. */
export class OciSession {
  private readonly tokens = new Map<string, string>()
  /** Manifests read in this session: an archive and its sidecars share one. */
  readonly manifests = new Map<string, Promise<OciManifest | undefined>>()

  constructor(readonly net: Net, readonly target: OciTarget) {}

  repository(name: string): string {
    return `${this.target.namespace}/${name}`
  }

  /** A request to `/v2/<path>`; a 401 is answered once with Basic or Bearer credentials. */
  async request(path: string, init: { method?: string; headers?: Record<string, string>; body?: Uint8Array | Blob; scope: string }): Promise<RawResponse> {
    const url = path.startsWith('http') ? path : `${this.target.base}/v2/${path}`
    const send = () => this.net.request({ url, method: init.method, headers: { ...init.headers, ...this.authHeader(init.scope) }, body: init.body })
    let res = await send()
    if (res.status === 401 && !this.tokens.has(init.scope)) {
      await drain(res)
      await this.authorize(res.headers['www-authenticate'] ?? '', init.scope)
      res = await send()
    }
    return res
  }

  /** Headers for a plain GET (blob download) after `request` has authorised the scope. */
  authHeader(scope: string): Record<string, string> {
    const token = this.tokens.get(scope)
    return token ? { authorization: token } : {}
  }

  private async authorize(challenge: string, scope: string): Promise<void> {
    const { username, password } = this.target
    const basic = username !== undefined ? `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` : undefined
    if (/^basic/i.test(challenge)) {
      if (!basic) throw this.denied('it needs a user name and password')
      this.tokens.set(scope, basic)
      return
    }
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]))
    if (!/^bearer/i.test(challenge) || !params.realm) throw this.denied(`it answered 401 without a usable challenge`)
    const query = new URLSearchParams({ ...(params.service ? { service: params.service } : {}), scope: params.scope ?? scope })
    const res = await this.net.request({ url: `${params.realm}?${query}`, headers: basic ? { authorization: basic } : {} })
    const body = await text(res)
    if (res.status < 200 || res.status > 299) throw this.denied(`its token service answered HTTP ${res.status}`)
    const token = (JSON.parse(body) as { token?: string; access_token?: string }).token ?? (JSON.parse(body) as { access_token?: string }).access_token
    if (!token) throw this.denied('its token service sent no token')
    this.tokens.set(scope, `Bearer ${token}`)
  }

  private denied(why: string): ZoiError {
    return new ZoiError('NETWORK', `OCI registry ${this.target.host} refused access: ${why}`, {
      hint: 'put credentials in the oci:// URL of your cache_mirrors entry (oci://user:token@host/ns) or set ZOI_OCI_USERNAME and ZOI_OCI_PASSWORD',
    })
  }
}

/** The artifact manifest of `name:tag`, or undefined when the registry does not have it. */
export function readManifest(session: OciSession, name: string, tag: string): Promise<OciManifest | undefined> {
  const key = `${name}:${tag}`
  let manifest = session.manifests.get(key)
  if (!manifest) session.manifests.set(key, (manifest = fetchManifest(session, name, tag)))
  return manifest
}

async function fetchManifest(session: OciSession, name: string, tag: string): Promise<OciManifest | undefined> {
  const repo = session.repository(name)
  const res = await session.request(`${repo}/manifests/${tag}`, { headers: { accept: OCI_MEDIA.manifest }, scope: `repository:${repo}:pull` })
  const body = await text(res)
  if (res.status === 404) return undefined
  if (res.status < 200 || res.status > 299) throw new ZoiError('NETWORK', `OCI registry ${session.target.host} answered HTTP ${res.status} for ${repo}:${tag}`)
  try {
    return JSON.parse(body) as OciManifest
  } catch {
    throw new ZoiError('INTEGRITY', `OCI registry ${session.target.host} sent a manifest for ${repo}:${tag} that is not JSON`)
  }
}

/**
 * Where the file behind `oci://host/ns/<file>` can be downloaded: the blob URL of the layer
 * titled `<file>`, its digest (checked after download) and the headers the GET needs.
 */
export async function locateOciFile(net: Net, url: string, session?: OciSession): Promise<{ url: string; digest: string; headers: Record<string, string> } | undefined> {
  const cut = url.lastIndexOf('/')
  const fileName = url.slice(cut + 1)
  const s = session ?? new OciSession(net, parseOciTarget(url.slice(0, cut)))
  const ref = ociReference(fileName)
  const manifest = await readManifest(s, ref.name, ref.tag)
  const layer = manifest?.layers.find((l) => l.annotations?.[TITLE] === fileName)
  if (!layer) return undefined
  if (!/^sha256:[0-9a-f]{64}$/.test(layer.digest)) throw new ZoiError('INTEGRITY', `OCI layer ${fileName} has an unsupported digest ${layer.digest}`)
  const repo = s.repository(ref.name)
  return { url: `${s.target.base}/v2/${repo}/blobs/${layer.digest}`, digest: layer.digest, headers: s.authHeader(`repository:${repo}:pull`) }
}

async function text(res: RawResponse): Promise<string> {
  const chunks: Uint8Array[] = []
  for await (const c of res.body) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}

async function drain(res: RawResponse): Promise<void> {
  for await (const _ of res.body);
}
