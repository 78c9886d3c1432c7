/**
 * A read-only git object store for the hot paths of sync (tree walks, blob reads, size checks):
 * pack files are memory-mapped and found through their v2 `.idx`, loose objects read as files,
 * and everything is inflated by Bun's native zlib. isomorphic-git reads the same objects through
 * pako (pure JS) plus a stat of `.git` per call, which made walking a 50k-definition tree and
 * reading its blobs cost more than the fetch itself. Objects are immutable, so one store may be
 * used for a whole sync; open a new one after the repository's packs changed.
 */
import { readdirSync, readFileSync, openSync, readSync, closeSync } from 'node:fs'
import { basename, join } from 'node:path'
import { errnoCode } from '../errors.ts'
import { MAX_DELTA_DEPTH, applyDelta, deltaVarint, findOffset, inflate, objectHeader, type Pack } from './git-pack.ts'
// node:zlib only for the partial inflate of an object's header (Bun.inflateSync needs a whole stream).
import { zlib } from '../platform/node-lazy.ts'

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag'

export interface GitObject {
  type: ObjectType
  data: Uint8Array
}

export interface TreeEntry {
  mode: string
  name: string
  oid: string
  type: 'tree' | 'blob' | 'commit'
}

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' }
const ZLIB = { windowBits: 15 } as const

/** Deltas up to this length are inflated whole to read the size they produce. */
const SMALL_DELTA = 64 * 1024

const latin1 = new TextDecoder('latin1')
const bigTrees = new Map<string, TreeEntry[]>()
const bigTreeData = new Map<string, Buffer>()
const utf8 = new TextDecoder()

export class ObjectStore {
  private packs: Pack[] = []

  constructor(readonly gitdir: string) {
    const dir = join(gitdir, 'objects', 'pack')
    let names: string[] = []
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.idx')).sort()
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e
    }
    for (const name of names) {
      const idx = readFileSync(join(dir, name))
      // Version 2 only (what git and isomorphic-git write): magic ff744f63, version 2.
      if (idx.length < 8 + 256 * 4 || idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) continue
      this.packs.push({ idx, count: idx.readUInt32BE(8 + 255 * 4), file: join(dir, name.replace(/\.idx$/, '.pack')) })
    }
  }

  /**
   * This store for the same repository moved to `gitdir` (renamed, its files unchanged): the pack
   * indexes read and the packs mapped are shared, the files named at their new place.
   */
  moved(gitdir: string): ObjectStore {
    const store = Object.create(ObjectStore.prototype) as ObjectStore
    const dir = join(gitdir, 'objects', 'pack')
    Object.assign(store, { gitdir, packs: this.packs.map((p) => ({ ...p, file: join(dir, basename(p.file)) })) })
    return store
  }

  /** The object, or undefined when the repository lacks it. */
  read(oid: string, depth = 0): GitObject | undefined {
    // Packs first: a fetched registry is one pack, and a failed open of a loose path per object costs more than the lookup.
    const id = Buffer.from(oid, 'hex')
    for (const p of this.packs) {
      const offset = findOffset(p, id)
      if (offset !== undefined) return this.readPacked(p, offset, depth)
    }
    return this.readLoose(oid)
  }

  /** The ids of every packed object, each once (`git gc` without the reachability walk). */
  packedIds(): string[] {
    const ids = new Set<string>()
    for (const p of this.packs) {
      const start = 8 + 256 * 4
      for (let i = 0; i < p.count; i++) ids.add(p.idx.toString('hex', start + i * 20, start + i * 20 + 20))
    }
    return [...ids]
  }

  /** The object, or a thrown error naming it. */
  get(oid: string, type?: ObjectType): GitObject {
    const o = this.read(oid)
    if (!o) throw Object.assign(new Error(`git object ${oid} is missing from ${this.gitdir}`), { code: 'NotFoundError' })
    if (type && o.type !== type) throw new Error(`git object ${oid} is a ${o.type}, expected a ${type}`)
    return o
  }

  /** The tree of a commit. */
  commitTree(oid: string): string {
    const text = latin1.decode(this.get(oid, 'commit').data.subarray(0, 64))
    const m = /^tree ([0-9a-f]{40})/.exec(text)
    if (!m) throw new Error(`git commit ${oid} has no tree`)
    return m[1]!
  }

  /** The entries of a tree. Large ones are kept (by id, so valid in any repository): a sync diffs the same big folder tree several times. */
  tree(oid: string): TreeEntry[] {
    const cached = bigTrees.get(oid)
    if (cached) return cached
    const entries = parseTree(this.get(oid, 'tree').data)
    if (entries.length >= 256) {
      keepBounded(bigTrees, oid, entries, 16)
    }
    return entries
  }

  /** A tree's raw bytes (large ones kept, like tree()): for comparing two versions of a folder entry by entry. */
  treeData(oid: string): Buffer {
    const cached = bigTreeData.get(oid)
    if (cached) return cached
    const { data } = this.get(oid, 'tree')
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    if (buf.length >= 16 * 1024) {
      keepBounded(bigTreeData, oid, buf, 16)
    }
    return buf
  }

  /**
   * The content size of an object from its header only (never its content, which may be huge);
   * undefined when the repository lacks it.
   */
  size(oid: string): number | undefined {
    const id = Buffer.from(oid, 'hex')
    for (const p of this.packs) {
      const offset = findOffset(p, id)
      if (offset === undefined) continue
      const data = packData(p)
      const h = objectHeader(data, offset)
      if (h.type >= 1 && h.type <= 4) return h.size
      // A delta starts with the base size and the result size: the second is the object's size.
      // A small delta (h.size is its own length) is inflated whole by Bun; only a large one is
      // inflated partly, through node:zlib, whose first load costs a sync several milliseconds.
      const delta = h.size <= SMALL_DELTA ? inflate(data, h.start, h.size) : zlib().inflateSync(data.subarray(h.start, h.start + 64), { finishFlush: zlib().constants.Z_SYNC_FLUSH })
      return deltaVarint(delta, deltaVarint(delta, 0).next).value
    }
    const head = readHead(join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)), 512)
    if (!head) return undefined
    const header = zlib().inflateSync(head, { finishFlush: zlib().constants.Z_SYNC_FLUSH })
    const m = /^[a-z]+ (\d+)\0/.exec(latin1.decode(header.subarray(0, 64)))
    return m ? Number(m[1]) : undefined
  }

  private readLoose(oid: string): GitObject | undefined {
    let raw: Buffer
    try {
      raw = readFileSync(join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)))
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined
      throw e
    }
    const all = Bun.inflateSync(raw as Uint8Array<ArrayBuffer>, ZLIB)
    const nul = all.indexOf(0)
    const [type] = latin1.decode(all.subarray(0, nul)).split(' ')
    return { type: type as ObjectType, data: all.subarray(nul + 1) }
  }

  private readPacked(p: Pack, offset: number, depth: number): GitObject {
    // Git stops delta chains at 50 by default and never writes a cycle; a hostile pack could
    // (ref-deltas naming each other), which must end in an error, not a stack overflow.
    if (depth > MAX_DELTA_DEPTH) throw new Error(`corrupt pack ${p.file}: a delta chain longer than ${MAX_DELTA_DEPTH}`)
    const data = packData(p)
    const h = objectHeader(data, offset)
    if (h.type >= 1 && h.type <= 4) return { type: TYPES[h.type]!, data: inflate(data, h.start, h.size) }
    let base: GitObject
    if (h.type === 6) base = this.readPacked(p, h.baseOffset!, depth + 1)
    else {
      const baseOid = Buffer.from(data.subarray(h.start - 20, h.start)).toString('hex')
      const found = this.read(baseOid, depth + 1)
      if (!found) throw Object.assign(new Error(`git object ${baseOid} (a delta base) is missing from ${this.gitdir}`), { code: 'NotFoundError' })
      base = found
    }
    return { type: base.type, data: applyDelta(base.data, inflate(data, h.start, h.size)) }
  }
}

function packData(p: Pack): Uint8Array {
  // Memory-mapped: packs are immutable (named by content), so the mapping never sees a rewrite.
  // Not on Windows, where a mapped file cannot be renamed or deleted (the swap of a clone does both).
  p.data ??= process.platform === 'win32' ? readFileSync(p.file) : Bun.mmap(p.file, { shared: false })
  return p.data
}

function readHead(file: string, length: number): Buffer | undefined {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined
    throw e
  }
  try {
    const buf = Buffer.alloc(length)
    return buf.subarray(0, readSync(fd, buf, 0, length, 0))
  } finally {
    closeSync(fd)
  }
}

/** Keeps `value` under `key`, dropping the oldest entry once `cache` holds `max`: a few recent ones, never all. */
export function keepBounded<K, V>(cache: Map<K, V>, key: K, value: V, max: number): void {
  if (cache.size >= max) cache.delete(cache.keys().next().value!)
  cache.set(key, value)
}

/** The entry of a raw tree at `pos`, and where the next one starts. */
export function treeEntryAt(data: Buffer, pos: number): { entry: TreeEntry; end: number } {
  const space = data.indexOf(0x20, pos)
  const nul = data.indexOf(0, space)
  if (space < 0 || nul < 0 || nul + 21 > data.length) throw new Error('corrupt git tree')
  return { entry: treeEntry(data.toString('latin1', pos, space), utf8.decode(data.subarray(space + 1, nul)), data.toString('hex', nul + 1, nul + 21)), end: nul + 21 }
}

/** An entry from its raw mode (`40000`, `100644`…), name and id; modes padded to six digits as git prints them. */
function treeEntry(mode: string, name: string, oid: string): TreeEntry {
  const type = mode === '40000' ? 'tree' : mode === '160000' ? 'commit' : 'blob'
  return { mode: mode.length < 6 ? mode.padStart(6, '0') : mode, name, oid, type }
}

/**
 * Git's tree encoding: `<mode> <name>\0<20-byte id>` per entry. Decoded as one latin1 string
 * (names re-decoded as UTF-8 only when they hold non-ASCII bytes): a registry folder tree has
 * tens of thousands of entries, and a decoder call per name was most of a re-sync's diff.
 */
export function parseTree(data: Uint8Array): TreeEntry[] {
  const text = latin1.decode(data)
  const hex = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex')
  const out: TreeEntry[] = []
  let pos = 0
  while (pos < text.length) {
    const space = text.indexOf(' ', pos)
    const nul = text.indexOf('\0', space)
    if (space < 0 || nul < 0 || nul + 21 > data.length) throw new Error('corrupt git tree')
    const mode = text.slice(pos, space)
    let name = text.slice(space + 1, nul)
    if (/[^\x00-\x7f]/.test(name)) name = utf8.decode(data.subarray(space + 1, nul))
    out.push(treeEntry(mode, name, hex.slice(2 * nul + 2, 2 * nul + 42)))
    pos = nul + 21
  }
  return out
}
