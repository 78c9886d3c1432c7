/**
 * The pack format pieces the object store and the pack indexer need (git's pack-format.txt):
 * finding an object's offset through a version-2 `.idx` and writing one, reading a packed
 * object's header, inflating its zlib data (Bun's native zlib) and applying a delta to its base.
 */

/** A pack file and its parsed index (the pack itself is loaded on first read). */
export interface Pack {
  idx: Buffer
  count: number
  file: string
  data?: Uint8Array
}

const ZLIB = { windowBits: 15 } as const

/**
 * Longest delta chain read or indexed. Git stops at 50 by default and never writes a cycle; a
 * hostile pack could (ref-deltas naming each other), which must end in an error, not a stack overflow.
 */
export const MAX_DELTA_DEPTH = 4096

/** A packed object's header: continuation bit, 3-bit type, low 4 bits of the size, then 7 bits per byte. */
export function encodeObjectHeader(type: number, size: number): Uint8Array {
  const bytes: number[] = []
  let byte = (type << 4) | (size & 0x0f)
  let rest = Math.floor(size / 16)
  while (rest > 0) {
    bytes.push(byte | 0x80)
    byte = rest & 0x7f
    rest = Math.floor(rest / 128)
  }
  bytes.push(byte)
  return Uint8Array.from(bytes)
}

/** The pack type codes of the four object types (deltas are 6 and 7). */
export const TYPE_CODES = { commit: 1, tree: 2, blob: 3, tag: 4 } as const

/** Inflates a zlib stream of known output size starting at `start` (input bounded by deflate's worst case). */
export function inflate(data: Uint8Array, start: number, size: number): Uint8Array {
  const bound = size + 5 * Math.ceil(size / 16383 + 1) + 16
  const out = Bun.inflateSync(data.subarray(start, start + bound) as Uint8Array<ArrayBuffer>, ZLIB)
  if (out.length !== size) throw new Error(`corrupt pack object: ${out.length} bytes instead of ${size}`)
  return out
}

/** A packed object's header: type, size and where its zlib data starts (plus a delta's base offset). */
export function objectHeader(data: Uint8Array, offset: number): { type: number; size: number; start: number; baseOffset?: number } {
  let pos = offset
  let byte = data[pos++]!
  const type = (byte >> 4) & 7
  let size = byte & 0x0f
  let shift = 4
  while (byte & 0x80) {
    byte = data[pos++]!
    size += (byte & 0x7f) * 2 ** shift
    shift += 7
  }
  if (type === 6) {
    byte = data[pos++]!
    let back = byte & 0x7f
    while (byte & 0x80) {
      byte = data[pos++]!
      back = (back + 1) * 128 + (byte & 0x7f)
    }
    return { type, size, start: pos, baseOffset: offset - back }
  }
  if (type === 7) pos += 20
  return { type, size, start: pos }
}

/** The pack offset of `oid` in one index, by binary search over its sorted ids. */
export function findOffset(p: Pack, oid: Buffer): number | undefined {
  const first = oid[0]! === 0 ? 0 : p.idx.readUInt32BE(8 + (oid[0]! - 1) * 4)
  let lo = first
  let hi = p.idx.readUInt32BE(8 + oid[0]! * 4) - 1
  const names = 8 + 256 * 4
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const cmp = p.idx.compare(oid, 0, 20, names + mid * 20, names + mid * 20 + 20)
    if (cmp === 0) {
      const offsets = names + p.count * 24
      const off = p.idx.readUInt32BE(offsets + mid * 4)
      if (!(off & 0x80000000)) return off
      return Number(p.idx.readBigUInt64BE(offsets + p.count * 4 + (off & 0x7fffffff) * 8))
    }
    if (cmp > 0) hi = mid - 1
    else lo = mid + 1
  }
  return undefined
}

/** Git's little-endian base-128 varint (delta headers), from `pos`. */
export function deltaVarint(buf: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0
  let shift = 0
  let byte: number
  do {
    byte = buf[pos++]!
    value += (byte & 0x7f) * 2 ** shift
    shift += 7
  } while (byte & 0x80 && pos < buf.length)
  return { value, next: pos }
}

/** The object a delta describes, from its base. */
export function applyDelta(base: Uint8Array, delta: Uint8Array): Uint8Array {
  const src = deltaVarint(delta, 0)
  const dst = deltaVarint(delta, src.next)
  if (src.value !== base.length) throw new Error('corrupt pack delta: base size mismatch')
  const out = new Uint8Array(dst.value)
  let pos = dst.next
  let at = 0
  while (pos < delta.length) {
    const op = delta[pos++]!
    if (op & 0x80) {
      let off = 0
      let len = 0
      for (let i = 0; i < 4; i++) if (op & (1 << i)) off += delta[pos++]! * 2 ** (8 * i)
      for (let i = 0; i < 3; i++) if (op & (16 << i)) len += delta[pos++]! << (8 * i)
      if (len === 0) len = 0x10000
      if (off + len > base.length) throw new Error('corrupt pack delta: a copy past the end of its base')
      copyBytes(out, at, base, off, len)
      at += len
    } else if (op > 0) {
      if (pos + op > delta.length) throw new Error('corrupt pack delta: an insert past its end')
      copyBytes(out, at, delta, pos, op)
      pos += op
      at += op
    } else throw new Error('corrupt pack delta: opcode 0')
  }
  if (at !== out.length) throw new Error('corrupt pack delta: result size mismatch')
  return out
}

/**
 * `len` bytes of `from` at `start` into `out` at `at`. A delta of a small text file is mostly
 * short copies, and a subarray view per copy cost more than copying its bytes one by one: a
 * first sync of 10,000 definitions spent 60 ms making views.
 */
function copyBytes(out: Uint8Array, at: number, from: Uint8Array, start: number, len: number): void {
  if (at + len > out.length) throw new Error('corrupt pack delta: result larger than it declares')
  if (len > 64) out.set(from.subarray(start, start + len), at)
  else for (let i = 0; i < len; i++) out[at + i] = from[start + i]!
}

/**
 * A version-2 `.idx` as git writes it: header, fanout, sorted ids, CRC32s, 31-bit offsets (the
 * top bit set points into a table of 64-bit ones), the pack's checksum, the idx's own checksum.
 * `oids` holds 20 bytes per object, in the same order as `crcs` and `offsets`.
 */
export function encodeIdx(oids: Buffer, crcs: Uint32Array, offsets: Float64Array, packChecksum: Uint8Array): Buffer {
  const n = crcs.length
  const order = sortIds(oids, n)
  let large = 0
  for (let i = 0; i < n; i++) if (offsets[i]! > 0x7fffffff) large++
  const out = Buffer.alloc(8 + 1024 + 28 * n + 8 * large + 40)
  out.writeUInt32BE(0xff744f63, 0)
  out.writeUInt32BE(2, 4)
  const names = 8 + 1024
  const crcAt = names + 20 * n
  const offAt = crcAt + 4 * n
  let bigAt = offAt + 4 * n
  let big = 0
  order.forEach((i, k) => {
    oids.copy(out, names + 20 * k, 20 * i, 20 * i + 20)
    out.writeUInt32BE(crcs[i]!, crcAt + 4 * k)
    const offset = offsets[i]!
    if (offset <= 0x7fffffff) out.writeUInt32BE(offset, offAt + 4 * k)
    else {
      out.writeUInt32BE((0x80000000 | big++) >>> 0, offAt + 4 * k)
      out.writeBigUInt64BE(BigInt(offset), bigAt)
      bigAt += 8
    }
  })
  // fanout[b] = how many ids start with a byte ≤ b.
  let k = 0
  for (let b = 0; b < 256; b++) {
    while (k < n && out[names + 20 * k]! <= b) k++
    out.writeUInt32BE(k, 8 + 4 * b)
  }
  out.set(packChecksum, bigAt)
  out.set(new Bun.CryptoHasher('sha1').update(out.subarray(0, bigAt + 20)).digest(), bigAt + 20)
  return out
}

/** Up to this many objects, sortIds uses a comparator sort. */
const SMALL_SORT = 1024

/**
 * Object indexes in id order. A big pack: a counting sort on the first two bytes (ids are
 * uniformly spread, so a bucket holds one or two), then insertion sort inside each bucket (a
 * comparator sort of 100,000 ids took longer than indexing the pack). A small one (a re-sync
 * brings a few dozen objects): a comparator sort, since the two passes over 65,536 buckets
 * alone took 6–8 ms in a fresh process, where that code is not yet compiled.
 */
function sortIds(oids: Buffer, n: number): Uint32Array {
  if (n <= SMALL_SORT) {
    const order = Uint32Array.from({ length: n }, (_, i) => i)
    return order.sort((a, b) => oids.compare(oids, 20 * b, 20 * b + 20, 20 * a, 20 * a + 20))
  }
  const starts = new Uint32Array(65537)
  for (let i = 0; i < n; i++) starts[((oids[20 * i]! << 8) | oids[20 * i + 1]!) + 1]!++
  for (let b = 1; b <= 65536; b++) starts[b]! += starts[b - 1]!
  const order = new Uint32Array(n)
  const fill = starts.slice(0, 65536)
  for (let i = 0; i < n; i++) order[fill[(oids[20 * i]! << 8) | oids[20 * i + 1]!]!++] = i
  for (let b = 0; b < 65536; b++) {
    for (let k = starts[b]! + 1; k < starts[b + 1]!; k++) {
      const x = order[k]!
      let j = k - 1
      // buf.compare(target, …, sourceStart, sourceEnd) compares the source (order[j]) with the target (x).
      while (j >= starts[b]! && oids.compare(oids, 20 * x, 20 * x + 20, 20 * order[j]!, 20 * order[j]! + 20) > 0) {
        order[j + 1] = order[j]!
        j--
      }
      order[j + 1] = x
    }
  }
  return order
}
