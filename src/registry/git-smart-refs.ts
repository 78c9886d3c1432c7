/**
 * Ref discovery of git's smart-HTTP protocol, version 1 (gitprotocol-http): one GET of
 * `info/refs?service=git-upload-pack` through the network edge, parsed into refs, the branch HEAD
 * names and the server's capabilities. Credentials in the URL become a Basic Authorization
 * header (never a URL sent on the wire or shown), as git and isomorphic-git do.
 */
import { ZoiError } from '../errors.ts'
import { redactUrl, type Net } from '../platform/net.ts'
import { httpStatusError } from './git-errors.ts'
import { limitBody } from './git-http.ts'
import { streamPktLines } from './git-pkt-line.ts'

export interface Advertisement {
  /** The URL without credentials; requests go to `${base}/…`. */
  base: string
  /** Headers every request to this remote carries (user agent, authorization). */
  headers: Record<string, string>
  refs: Map<string, string>
  capabilities: Set<string>
  /** HEAD's commit, or undefined for a repository without commits. */
  head?: string
  /** The branch HEAD names (`refs/heads/…`), when the server says or it can be inferred. */
  branch?: string
}

const ZERO = '0'.repeat(40)
const text = new TextDecoder()

/**
 * GETs and parses the ref advertisement. An answer that is not one (a static host, an HTML
 * page) or a 404 is an error with `data.mayBeDumb`: the caller may try dumb HTTP instead.
 */
export async function discoverRefs(net: Net, url: string): Promise<Advertisement> {
  const { base, headers } = splitCredentials(url)
  const where = redactUrl(url)
  const res = await net.request({ url: `${base}/info/refs?service=git-upload-pack`, headers })
  const chunks: Uint8Array[] = []
  const cut = (detail: string) => incomplete(where, detail)
  if (res.status !== 200) {
    for await (const c of res.body) void c
    throw httpStatusError(where, res.status, res.statusText, { data: { url: where, status: res.status, mayBeDumb: res.status === 404 } })
  }
  for await (const c of limitBody(res.body, url)) chunks.push(c)
  const body = Buffer.concat(chunks)
  // A smart server starts with `# service=git-upload-pack`; anything else is a static file or a page.
  if (!body.subarray(4, 30).toString('latin1').startsWith('# service=git-upload-pack')) {
    throw new ZoiError('NETWORK', `${where} is not a git smart-HTTP server (no ref advertisement at info/refs)`, {
      data: { url: where, mayBeDumb: true },
    })
  }
  const ad: Advertisement = { base, headers, refs: new Map(), capabilities: new Set() }
  let first = true
  const symrefs = new Map<string, string>()
  for await (const pkt of streamPktLines([body], cut)) {
    if (pkt === null) continue
    const line = text.decode(pkt).replace(/\n$/, '')
    if (line.startsWith('# service=')) continue
    if (line.startsWith('ERR ')) throw remoteError(where, line.slice(4))
    const [refPart, caps] = line.split('\0')
    if (first && caps !== undefined) {
      for (const cap of caps.trim().split(' ')) {
        ad.capabilities.add(cap)
        const m = /^symref=([^:]+):(.+)$/.exec(cap)
        if (m) symrefs.set(m[1]!, m[2]!)
      }
    }
    first = false
    const m = /^([0-9a-f]{40}) (\S+)$/.exec(refPart!)
    if (!m) throw cut(`malformed ref line ${JSON.stringify(line.slice(0, 80))}`)
    if (m[1] === ZERO || m[2]!.endsWith('^{}')) continue // an empty repository's placeholder, peeled tags
    ad.refs.set(m[2]!, m[1]!)
  }
  ad.head = ad.refs.get('HEAD')
  ad.branch = symrefs.get('HEAD')
  // Servers that do not name HEAD's branch: the first branch at HEAD's commit.
  if (ad.branch === undefined && ad.head !== undefined) {
    ad.branch = [...ad.refs].find(([ref, oid]) => ref.startsWith('refs/heads/') && oid === ad.head)?.[0]
  }
  return ad
}

/** `https://user:token@host/x` → the URL without them and a Basic Authorization header. */
export function splitCredentials(url: string): { base: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'user-agent': 'git/zoi' }
  const parsed = new URL(url.replace(/\/+$/, ''))
  if (parsed.username || parsed.password) {
    const user = decodeURIComponent(parsed.username)
    const pass = decodeURIComponent(parsed.password)
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`
    parsed.username = ''
    parsed.password = ''
  }
  return { base: parsed.href.replace(/\/+$/, ''), headers }
}

/** The server's own error (an `ERR` line, side band 3), as one line. */
export function remoteError(where: string, message: string): ZoiError {
  const line = message.trim().split('\n')[0] ?? ''
  return new ZoiError('NETWORK', `${where} refused the fetch: ${line.slice(0, 300)}`, { data: { url: where } })
}

/** A response that stops short or does not parse (a cut connection, a broken proxy). */
export function incomplete(where: string, detail: string): ZoiError {
  return new ZoiError('NETWORK', `${where} sent an incomplete or malformed git response: ${detail}`, {
    data: { url: where },
    hint: 'the connection may have been cut; run the sync again',
  })
}
