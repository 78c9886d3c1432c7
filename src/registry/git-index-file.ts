/**
 * The `.git/index` of a registry clone, written by zoi's own checkout so that the clone stays a
 * clean git working tree (`git status` shows nothing). Version 2 entries without stat data: git
 * then compares such an entry by content once, which is correct, and zoi itself never reads
 * stat data. An update rewrites the entries of the changed paths only.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface IndexEntry {
  oid: string
  mode: string
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** path → entry of a version-2 index; undefined when there is none or it is another version. */
export function readGitIndex(gitdir: string): Map<string, IndexEntry> | undefined {
  let buf: Buffer
  try {
    buf = readFileSync(join(gitdir, 'index'))
  } catch {
    return undefined
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'DIRC' || buf.readUInt32BE(4) !== 2) return undefined
  const out = new Map<string, IndexEntry>()
  let pos = 12
  for (let i = buf.readUInt32BE(8); i > 0; i--) {
    const mode = buf.readUInt32BE(pos + 24)
    const oid = buf.toString('hex', pos + 40, pos + 60)
    const end = buf.indexOf(0, pos + 62)
    const path = decoder.decode(buf.subarray(pos + 62, end))
    out.set(path, { oid, mode: mode.toString(8).padStart(6, '0') })
    pos += (62 + (end - pos - 62) + 8) & ~7
  }
  return out
}

/** Writes the index atomically (temp file + rename), entries sorted by path bytes as git requires. */
export function writeGitIndex(gitdir: string, entries: Map<string, IndexEntry>): void {
  const names = [...entries.keys()].map((p) => [p, Buffer.from(encoder.encode(p))] as const)
  names.sort((a, b) => Buffer.compare(a[1], b[1]))
  let size = 12
  for (const [, n] of names) size += (62 + n.length + 8) & ~7
  const buf = Buffer.alloc(size + 20)
  buf.write('DIRC', 0, 'latin1')
  buf.writeUInt32BE(2, 4)
  buf.writeUInt32BE(names.length, 8)
  let pos = 12
  for (const [path, n] of names) {
    const e = entries.get(path)!
    buf.writeUInt32BE(parseInt(e.mode, 8), pos + 24)
    buf.write(e.oid, pos + 40, 'hex')
    buf.writeUInt16BE(Math.min(n.length, 0xfff), pos + 60)
    n.copy(buf, pos + 62)
    pos += (62 + n.length + 8) & ~7
  }
  new Bun.CryptoHasher('sha1').update(buf.subarray(0, size)).digest().copy(buf, size)
  const tmp = join(gitdir, 'index.zoi-tmp')
  writeFileSync(tmp, buf)
  renameSync(tmp, join(gitdir, 'index'))
}
