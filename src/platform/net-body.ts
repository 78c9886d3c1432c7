/**
 * Response bodies at the network edge. The idle timeout covers the whole body, not only the
 * headers: each read must deliver a chunk within `idleMs`, or the request is aborted and the
 * read fails with a NETWORK error. Time the consumer spends on a chunk (writing it to disk)
 * does not count.
 */
import { ZoiError, describeError } from '../errors.ts'
import { redactUrl } from './net-guard.ts'

/** An open response: its final URL and the controller that aborts its body. */
export interface Opened {
  res: Response
  url: string
  controller: AbortController
}

export async function* readBody(o: Opened, idleMs: number): AsyncGenerator<Uint8Array> {
  if (!o.res.body) return
  const reader = o.res.body.getReader()
  let finished = false
  try {
    for (;;) {
      const timer = setTimeout(() => o.controller.abort(), idleMs)
      let chunk: Awaited<ReturnType<typeof reader.read>>
      try {
        chunk = await reader.read()
      } catch (e) {
        finished = true
        const reason = o.controller.signal.aborted ? `no data for ${idleMs} ms` : describeError(e)
        throw new ZoiError('NETWORK', `reading ${redactUrl(o.url)} failed: ${reason}`, { cause: e })
      } finally {
        clearTimeout(timer)
      }
      if (chunk.done) {
        finished = true
        return
      }
      yield chunk.value
    }
  } finally {
    // A consumer that stops early closes the connection instead of leaving it half-read.
    if (!finished) await reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}

/** A request body as one buffer (fetch needs the length up front for git's POSTs). */
export async function collect(body: Uint8Array | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body
  const chunks: Uint8Array[] = []
  for await (const c of body) chunks.push(c)
  return Buffer.concat(chunks)
}
