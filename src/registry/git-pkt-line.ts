/**
 * Git's pkt-line framing (gitprotocol-common): a 4-digit hex length that counts itself, then the
 * payload; `0000` is a flush. Used by the smart-HTTP server (mirror) for ref advertisements,
 * requests and the side-band channel that carries the pack, and by the fetch client
 * (git-smart-fetch.ts) to read them as a stream.
 */
import { ZoiError } from '../errors.ts'

/** Largest payload of one packet: 65520 bytes minus the 4-byte length. */
export const MAX_PKT_PAYLOAD = 65516

export const FLUSH = new TextEncoder().encode('0000')

export function pktLine(payload: string | Uint8Array): Uint8Array {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
  if (bytes.length > MAX_PKT_PAYLOAD) throw new ZoiError('INTERNAL', `pkt-line payload of ${bytes.length} bytes is too long`)
  const out = new Uint8Array(bytes.length + 4)
  out.set(new TextEncoder().encode((bytes.length + 4).toString(16).padStart(4, '0')))
  out.set(bytes, 4)
  return out
}

/** A parsed packet: its text (trailing LF removed), or null for a flush/delim packet. */
export type Packet = string | null

/**
 * Splits a request body into packets. Malformed framing is a USAGE error: the client sent
 * something that is not a git request, and the server answers 400.
 */
export function readPktLines(body: Uint8Array): Packet[] {
  const out: Packet[] = []
  const decoder = new TextDecoder()
  let at = 0
  while (at < body.length) {
    if (at + 4 > body.length) throw badFraming('truncated length')
    const hex = decoder.decode(body.subarray(at, at + 4))
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw badFraming(`bad length ${JSON.stringify(hex)}`)
    const length = parseInt(hex, 16)
    if (length < 4) {
      out.push(null) // 0000 flush, 0001 delim, 0002 response-end
      at += 4
      continue
    }
    if (at + length > body.length) throw badFraming('packet runs past the end of the body')
    out.push(decoder.decode(body.subarray(at + 4, at + length)).replace(/\n$/, ''))
    at += length
  }
  return out
}

function badFraming(detail: string): ZoiError {
  return new ZoiError('USAGE', `not a git pkt-line request: ${detail}`)
}

/**
 * Wraps pack bytes in side-band packets on `band` (1 = data, 2 = progress, 3 = error).
 * `side-band` allows 1000-byte packets, `side-band-64k` 65520.
 */
export function* sideBand(data: Uint8Array, band: 1 | 2 | 3, large: boolean): Generator<Uint8Array> {
  const room = (large ? MAX_PKT_PAYLOAD : 996) - 1
  for (let at = 0; at < data.length; at += room) {
    const chunk = data.subarray(at, Math.min(at + room, data.length))
    const payload = new Uint8Array(chunk.length + 1)
    payload[0] = band
    payload.set(chunk, 1)
    yield pktLine(payload)
  }
}

/**
 * Reads packets from a response body as it arrives: each is its payload (bytes), or null for a
 * flush. A body that ends inside a packet throws `cut`'s error (the connection was cut).
 */
export async function* streamPktLines(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, cut: (detail: string) => Error): AsyncGenerator<Uint8Array | null> {
  let buf: Uint8Array = new Uint8Array(0)
  let at = 0
  for await (const chunk of body) {
    buf = at < buf.length ? concat(buf.subarray(at), chunk) : chunk
    at = 0
    while (buf.length - at >= 4) {
      const length = hexLength(buf, at)
      if (length < 0) throw cut(`bad packet length at byte ${at}`)
      if (length < 4) {
        yield null
        at += 4
        continue
      }
      if (buf.length - at < length) break
      yield buf.subarray(at + 4, at + length)
      at += length
    }
  }
  if (at < buf.length) throw cut('the response ends inside a packet')
}

function hexLength(buf: Uint8Array, at: number): number {
  let n = 0
  for (let i = at; i < at + 4; i++) {
    const c = buf[i]!
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1
    if (d < 0) return -1
    n = n * 16 + d
  }
  return n
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
