/**
 * zoi's `git index-pack`: reads a received `.pack`, computes every object's id from its bytes
 * and writes the version-2 `.idx` next to it, byte for byte what git writes (fanout, sorted ids,
 * CRC32s, 31-bit offsets with a 64-bit table for larger ones, pack checksum, idx checksum).
 *
 * One pass in pack order finds where each object ends (node's zlib reports the compressed bytes
 * it consumed) and resolves it as soon as its delta base is known; a ref-delta whose base comes
 * later waits for it. Resolved contents stay in a bounded cache only: an evicted delta base is
 * rebuilt from the pack (its chain is bounded), so memory does not grow with the pack.
 * A pack that fails any check is an INTEGRITY error naming where it came from.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { ZoiError, describeError, isZoiError } from '../errors.ts'
import { zlib } from '../platform/node-lazy.ts'
import { MAX_DELTA_DEPTH, applyDelta, encodeIdx, inflate, objectHeader } from './git-pack.ts'

export interface IndexedPack {
  /** The pack's trailing SHA-1 (hex): git names the pair `pack-<checksum>.pack/.idx`. */
  checksum: string
  objects: number
  /** Bytes of the largest blob in the pack (0 when it holds none). */
  largestBlob: number
  /** Blob id → content, of as many blobs as `keepBlobs` allowed (IndexOptions). */
  blobs: Map<string, Uint8Array>
}

const TYPES = ['', 'commit', 'tree', 'blob', 'tag']
const ZLIB = { windowBits: 15 } as const
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1')
/** Resolved object contents kept for later deltas; beyond this, bases are rebuilt from the pack. */
const CACHE_BYTES = 48 * 1024 * 1024

export interface IndexOptions {
  /** Hears (objects indexed, total) now and then. */
  onProgress?: (loaded: number, total: number) => void
  /** Bytes of resolved objects kept for later deltas (tests make it 0 to rebuild every base). */
  cacheBytes?: number
  /**
   * Bytes of blob contents to hand back (IndexedPack.blobs), each blob whole or not at all: a
   * new clone's checkout writes them without inflating them from the pack a second time.
   */
  keepBlobs?: number
}

/** Writes `<packFile without .pack>.idx`. `where` names the source in errors (a redacted URL). */
export function indexPack(packFile: string, where: string, opts: IndexOptions = {}): IndexedPack {
  const data: Uint8Array = process.platform === 'win32' ? readFileSync(packFile) : Bun.mmap(packFile, { shared: false })
  try {
    const indexer = new PackIndexer(data, opts.onProgress, opts.cacheBytes ?? CACHE_BYTES, opts.keepBlobs ?? 0)
    const idx = indexer.run()
    const tmp = packFile.replace(/\.pack$/, '.idx.tmp')
    writeFileSync(tmp, idx)
    renameSync(tmp, packFile.replace(/\.pack$/, '.idx'))
    return { checksum: Buffer.from(data.subarray(data.length - 20)).toString('hex'), objects: indexer.count, largestBlob: indexer.largestBlob, blobs: indexer.blobs }
  } catch (e) {
    if (isZoiError(e)) throw e
    throw new ZoiError('INTEGRITY', `the git pack received from ${where} is corrupt: ${describeError(e)}`, {
      cause: e,
      hint: 'the previous sync is kept; run the sync again, and if it persists the registry host is serving a damaged repository',
    })
  }
}

class PackIndexer {
  readonly count: number
  largestBlob = 0
  readonly blobs = new Map<string, Uint8Array>()
  private readonly offsets: Float64Array
  private readonly crcs: Uint32Array
  private readonly types: Uint8Array
  private readonly depths: Uint16Array
  /** Delta base of each object (its index), -1 for whole objects and unresolved ref-deltas. */
  private readonly bases: Int32Array
  private readonly oids: Buffer
  private readonly done: Uint8Array
  private readonly byOffset = new Map<number, number>()
  /** Object id → index, built on the first ref-delta (packs with ofs-deltas never need it). */
  private byOid: Map<string, number> | undefined
  private readonly waiting = new Map<string | number, number[]>()
  private readonly cache = new Map<number, Uint8Array>()
  private cached = 0
  private readonly hasher = new Bun.CryptoHasher('sha1')
  private readonly bytes: Buffer

  constructor(
    private readonly data: Uint8Array,
    private readonly onProgress: ((loaded: number, total: number) => void) | undefined,
    private readonly cacheBytes: number,
    private keepBlobs: number,
  ) {
    this.bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    const magic = this.bytes.toString('latin1', 0, 4)
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    if (data.length < 32 || magic !== 'PACK' || ![2, 3].includes(view.getUint32(4))) throw new Error('not a version 2 git pack')
    const sum = new Bun.CryptoHasher('sha1').update(data.subarray(0, data.length - 20)).digest()
    if (!sum.equals(data.subarray(data.length - 20))) throw new Error('its checksum does not match (truncated or altered)')
    this.count = view.getUint32(8)
    // Every object takes at least 2 bytes: a count beyond that is a lie, not an allocation to make.
    if (this.count > (data.length - 32) / 2) throw new Error(`it claims ${this.count} objects in ${data.length} bytes`)
    this.offsets = new Float64Array(this.count + 1)
    this.crcs = new Uint32Array(this.count)
    this.types = new Uint8Array(this.count)
    this.depths = new Uint16Array(this.count)
    this.bases = new Int32Array(this.count).fill(-1)
    this.oids = Buffer.alloc(20 * this.count)
    this.done = new Uint8Array(this.count)
  }

  run(): Buffer {
    const end = this.data.length - 20
    let pos = 12
    for (let i = 0; i < this.count; i++) {
      if (pos >= end) throw new Error(`it ends after ${i} of ${this.count} objects`)
      this.offsets[i] = pos
      this.byOffset.set(pos, i)
      pos = this.scan(i, pos, end)
      if (i % 2048 === 0) this.onProgress?.(i, this.count)
    }
    if (pos !== end) throw new Error(`${end - pos} stray bytes after the last object`)
    this.offsets[this.count] = end
    if (this.waiting.size > 0) {
      // A missing ref-delta base (a thin pack, which zoi never asks for) or a cycle of ref-deltas.
      const missing = [...this.waiting.keys()].find((k) => typeof k === 'string')
      throw new Error(missing ? `object ${missing}, a delta base, is not in the pack` : 'a delta base never resolves')
    }
    this.onProgress?.(this.count, this.count)
    return encodeIdx(this.oids, this.crcs, this.offsets, this.data.subarray(this.data.length - 20))
  }

  /** Reads object `i` at `pos`: its end, CRC and, when its base is known, its id. Returns its end. */
  private scan(i: number, pos: number, end: number): number {
    const h = objectHeader(this.data, pos)
    if (h.type === 0 || h.type === 5 || h.start > end) throw new Error(`bad object header at offset ${pos}`)
    const body = inflate(this.data, h.start, h.size)
    const next = this.streamEnd(h.start, end, body)
    this.crcs[i] = Bun.hash.crc32(this.data.subarray(pos, next))
    if (h.type <= 4) {
      this.types[i] = h.type
      this.resolved(i, body)
    } else if (h.type === 6) {
      const base = this.byOffset.get(h.baseOffset!)
      if (base === undefined) throw new Error(`the delta at offset ${pos} names no object as its base`)
      this.bases[i] = base
      if (this.done[base]) this.resolveDelta(i, body)
      else this.wait(base, i)
    } else {
      const baseOid = Buffer.from(this.data.subarray(h.start - 20, h.start)).toString('hex')
      const base = this.oidIndex().get(baseOid)
      if (base !== undefined) {
        this.bases[i] = base
        this.resolveDelta(i, body)
      } else this.wait(baseOid, i)
    }
    return next
  }

  /**
   * Where the zlib stream at `start` ends. The stream closes with the Adler-32 of what it
   * inflates to, so the end is right after an occurrence of those 4 bytes: the first one at
   * which the stream inflates on its own (zlib rejects any shorter prefix, which lacks the final
   * block or its checksum). A Bun call per candidate is far cheaper than node's stream-based
   * inflate that reports consumed bytes, which builds a Duplex per object.
   */
  private streamEnd(start: number, end: number, body: Uint8Array): number {
    const sum = Buffer.alloc(4)
    sum.writeUInt32BE(Bun.hash.adler32(body))
    // A few false matches inside the stream are possible; many would make this quadratic (a
    // hostile pack can repeat the 4 bytes), so past a few, node's zlib says where the stream ends.
    for (let from = start + 2, tries = 0; tries < 8; tries++) {
      const at = this.bytes.indexOf(sum, from)
      if (at < 0 || at + 4 > end) break
      try {
        if (Bun.inflateSync(this.data.subarray(start, at + 4) as Uint8Array<ArrayBuffer>, ZLIB).length === body.length) return at + 4
      } catch {
        // A false match inside the stream: keep looking.
      }
      from = at + 1
    }
    const { engine } = zlib().inflateSync(this.data.subarray(start, end), { info: true } as object) as unknown as { engine: { bytesWritten: number } }
    return start + engine.bytesWritten
  }

  private wait(on: string | number, i: number): void {
    const list = this.waiting.get(on)
    if (list) list.push(i)
    else this.waiting.set(on, [i])
  }

  /** Object `i`'s base is resolved: apply the delta, then everything that waited on `i`. */
  private resolveDelta(i: number, delta: Uint8Array): void {
    const base = this.bases[i]!
    this.depths[i] = this.depths[base]! + 1
    if (this.depths[i]! > MAX_DELTA_DEPTH) throw new Error(`a delta chain longer than ${MAX_DELTA_DEPTH}`)
    this.types[i] = this.types[base]!
    this.resolved(i, applyDelta(this.content(base), delta))
  }

  private resolved(i: number, body: Uint8Array): void {
    if (this.types[i] === 3 && body.length > this.largestBlob) this.largestBlob = body.length
    const h = this.hasher
    h.update(latin1(`${TYPES[this.types[i]!]} ${body.length}\0`))
    h.update(body)
    const oid = h.digest() as Buffer
    oid.copy(this.oids, 20 * i)
    this.done[i] = 1
    this.remember(i, body)
    const keep = this.types[i] === 3 && body.length <= this.keepBlobs
    const hex = this.byOid || keep ? oid.toString('hex') : undefined
    if (hex !== undefined) this.byOid?.set(hex, i)
    if (keep) {
      this.blobs.set(hex!, body)
      this.keepBlobs -= body.length
    }
    // Deltas that waited on this object, by offset or (ref-deltas) by id.
    for (const key of hex === undefined ? [i] : [i, hex]) {
      const list = this.waiting.get(key)
      if (!list) continue
      this.waiting.delete(key)
      for (const d of list) {
        this.bases[d] = i
        this.resolveDelta(d, this.inflateAt(d))
      }
    }
  }

  /** The content of resolved object `i`: from the cache, else rebuilt from the pack. */
  private content(i: number): Uint8Array {
    const hit = this.cache.get(i)
    if (hit) return hit
    const body = this.bases[i]! < 0 ? this.inflateAt(i) : applyDelta(this.content(this.bases[i]!), this.inflateAt(i))
    this.remember(i, body)
    return body
  }

  private inflateAt(i: number): Uint8Array {
    const h = objectHeader(this.data, this.offsets[i]!)
    return inflate(this.data, h.start, h.size)
  }

  private remember(i: number, body: Uint8Array): void {
    if (body.length > this.cacheBytes / 4) return
    this.cache.set(i, body)
    this.cached += body.length
    if (this.cached <= this.cacheBytes) return
    for (const [k, v] of this.cache) {
      this.cache.delete(k)
      this.cached -= v.length
      if (this.cached <= this.cacheBytes / 2) break
    }
  }

  private oidIndex(): Map<string, number> {
    if (!this.byOid) {
      this.byOid = new Map()
      for (let i = 0; i < this.count; i++) if (this.done[i]) this.byOid.set(this.oids.toString('hex', 20 * i, 20 * i + 20), i)
    }
    return this.byOid
  }
}
