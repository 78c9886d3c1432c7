/**
 * The size of a git object read from its header only, never its content: a loose object's zlib
 * stream is inflated just far enough for `<type> <size>\0`, a packed object's size comes from
 * its pack header (for a delta, from the delta's own result-size field). This lets a sync refuse
 * a registry holding a multi-GiB blob before anything loads it into memory.
 */
import { open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { errnoCode } from '../errors.ts'

/** node:zlib loads Node's stream machinery: only when an object is inflated. */
const zlib = (): typeof import('node:zlib') => require('node:zlib')

/** Reads `length` bytes at `position` of a file (fewer at its end). */
async function readAt(file: string, position: number, length: number): Promise<Buffer> {
  const fd = await open(file, 'r')
  try {
    const buf = Buffer.alloc(length)
    const { bytesRead } = await fd.read(buf, 0, length, position)
    return buf.subarray(0, bytesRead)
  } finally {
    await fd.close()
  }
}

/** Inflates the start of a zlib stream; a truncated input yields what it holds so far. */
function inflateStart(bytes: Buffer): Buffer {
  return zlib().inflateSync(bytes, { finishFlush: zlib().constants.Z_SYNC_FLUSH })
}

/** Git's little-endian base-128 varint (delta headers), from `pos`. */
function deltaVarint(buf: Buffer, pos: number): { value: number; next: number } {
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

interface PackIndex {
  pack: string
  idx: Buffer
  count: number
}

const indexes = new Map<string, PackIndex[]>()

async function packIndexes(gitdir: string): Promise<PackIndex[]> {
  const cached = indexes.get(gitdir)
  if (cached) return cached
  const dir = join(gitdir, 'objects', 'pack')
  const names = await readdir(dir).catch(() => [] as string[])
  const out: PackIndex[] = []
  for (const name of names.filter((n) => n.endsWith('.idx'))) {
    const idx = await readFile(join(dir, name))
    // Version 2 only (what git and isomorphic-git write): magic ff744f63, version 2.
    if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) continue
    out.push({ pack: join(dir, name.replace(/\.idx$/, '.pack')), idx, count: idx.readUInt32BE(8 + 255 * 4) })
  }
  indexes.set(gitdir, out)
  return out
}

/** The pack offset of `oid` in one index, by binary search over its sorted ids. */
function findOffset(p: PackIndex, oid: Buffer): number | undefined {
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
      const large = offsets + p.count * 4 + (off & 0x7fffffff) * 8
      return Number(p.idx.readBigUInt64BE(large))
    }
    if (cmp > 0) hi = mid - 1
    else lo = mid + 1
  }
  return undefined
}

async function packedSize(p: PackIndex, offset: number): Promise<number> {
  const head = await readAt(p.pack, offset, 4096)
  let pos = 0
  let byte = head[pos++]!
  const type = (byte >> 4) & 7
  let size = byte & 0x0f
  let shift = 4
  while (byte & 0x80) {
    byte = head[pos++]!
    size += (byte & 0x7f) * 2 ** shift
    shift += 7
  }
  if (type >= 1 && type <= 4) return size
  if (type === 6) {
    do byte = head[pos++]!
    while (byte & 0x80)
  } else if (type === 7) pos += 20
  // A delta starts with the base size and the result size: the second is the object's size.
  const delta = inflateStart(head.subarray(pos))
  return deltaVarint(delta, deltaVarint(delta, 0).next).value
}

/** Forget cached pack indexes (a sync replaced the repository's packs). */
export function forgetPackIndexes(gitdir: string): void {
  indexes.delete(gitdir)
}

/** The content size of object `oid` in `gitdir`, or undefined when the repository lacks it. */
export async function objectSize(gitdir: string, oid: string): Promise<number | undefined> {
  try {
    const header = inflateStart(await readAt(join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)), 0, 512))
    const m = /^[a-z]+ (\d+)\0/.exec(header.subarray(0, 64).toString('latin1'))
    if (m) return Number(m[1])
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e
  }
  const id = Buffer.from(oid, 'hex')
  for (const p of await packIndexes(gitdir)) {
    const offset = findOffset(p, id)
    if (offset !== undefined) return await packedSize(p, offset)
  }
  return undefined
}
