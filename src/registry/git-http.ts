/**
 * isomorphic-git's HTTP client (source and mirror fetches), built on the network edge, and the
 * response size limit every git fetch shares (zoi's own smart-HTTP client included). Every git
 * request therefore obeys --offline (refused before any socket opens), retries and URL
 * redaction like all other traffic.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git'
import { ZoiError } from '../errors.ts'
import { redactUrl, type Net } from '../platform/net.ts'

export function createGitHttp(net: Net): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const res = await net.request({
        url: req.url,
        method: req.method ?? 'GET',
        headers: req.headers,
        // isomorphic-git hands over an array of buffers; the Net wants bytes or an async iterable.
        body: req.body === undefined ? undefined : await concatBody(req.body),
      })
      return {
        url: res.url,
        method: req.method,
        statusCode: res.status,
        statusMessage: res.statusText,
        headers: res.headers,
        body: limitBody(res.body, req.url),
      }
    },
  }
}

async function concatBody(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of body) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/**
 * The largest git response accepted (isomorphic-git holds a fetched pack in memory; zoi's own
 * fetch writes it to disk): a registry answering with more is refused rather than allowed to
 * take the machine's memory or disk (registries are small text files).
 */
export const MAX_GIT_RESPONSE_BYTES = 512 * 1024 * 1024

/** `body`, failing once it passes MAX_GIT_RESPONSE_BYTES. */
export async function* limitBody(body: AsyncIterable<Uint8Array>, url: string): AsyncIterableIterator<Uint8Array> {
  let total = 0
  for await (const chunk of body) {
    total += chunk.byteLength
    if (total > MAX_GIT_RESPONSE_BYTES) {
      throw new ZoiError('BAD_DEFINITION', `${redactUrl(url)} sent more than ${MAX_GIT_RESPONSE_BYTES / 1024 / 1024} MiB; a registry that large is refused`, {
        hint: 'a registry holds small definition files; the previous sync is kept',
      })
    }
    yield chunk
  }
}
