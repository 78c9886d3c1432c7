/**
 * isomorphic-git's HTTP client, built on the network edge. Every git request therefore obeys
 * --offline (refused before any socket opens), retries and URL redaction like all other traffic.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git'
import type { Net } from '../platform/net.ts'

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
        body: toIterator(res.body),
      }
    },
  }
}

async function concatBody(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of body) chunks.push(chunk)
  return Buffer.concat(chunks)
}

async function* toIterator(body: AsyncIterable<Uint8Array>): AsyncIterableIterator<Uint8Array> {
  yield* body
}
