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

/** Where an entry's mode, id and flags start, from the entry's first byte (after 24 bytes of stat data). */
const MODE_AT = 24
const OID_AT = 40
const FLAGS_AT = 60
const PATH_AT = 62

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** path → entry of a version-2 index. */
function parseEntries(buf: Buffer): Map<string, IndexEntry> {
  const out = new Map<string, IndexEntry>()
  forEachEntry(buf, (pos, end) => {
    out.set(decoder.decode(buf.subarray(pos + PATH_AT, end)), { oid: buf.toString('hex', pos + OID_AT, pos + OID_AT + 20), mode: buf.readUInt32BE(pos + MODE_AT).toString(8).padStart(6, '0') })
  })
  return out
}

/** A readable version-2 index, to bring from one commit's checkout to the next. */
export interface GitIndexUpdate {
  /**
   * `changed` files get their id and mode, `removed` paths go, and the index is written. When
   * every changed path is an entry already, nothing is removed and the file has no extensions
   * (what a re-sync that edited definitions leaves), the entries are patched where they stand —
   * their stat data cleared, so git compares them by content — and the file re-hashed: at
   * 10,000 entries about 2 ms instead of 25 to parse and rewrite it all. Otherwise it is rewritten.
   */
  apply(changed: readonly ({ path: string } & IndexEntry)[], removed: readonly string[]): void
}

/** The index of `gitdir`, or undefined when there is none usable (then check out everything). */
export function openGitIndex(gitdir: string): GitIndexUpdate | undefined {
  const buf = readIndexFile(gitdir)
  if (!buf) return undefined
  return {
    apply(changed, removed) {
      if (removed.length === 0 && patchEntries(buf, changed)) return save(gitdir, buf)
      const entries = parseEntries(buf)
      for (const path of removed) entries.delete(path)
      for (const f of changed) entries.set(f.path, { oid: f.oid, mode: f.mode })
      writeGitIndex(gitdir, entries)
    },
  }
}

/** Writes the index atomically (temp file + rename), entries sorted by path bytes as git requires. */
export function writeGitIndex(gitdir: string, entries: Map<string, IndexEntry>): void {
  const names = [...entries.keys()].map((p) => [p, Buffer.from(encoder.encode(p))] as const)
  names.sort((a, b) => Buffer.compare(a[1], b[1]))
  let size = 12
  for (const [, n] of names) size += (PATH_AT + n.length + 8) & ~7
  const buf = Buffer.alloc(size + 20)
  buf.write('DIRC', 0, 'latin1')
  buf.writeUInt32BE(2, 4)
  buf.writeUInt32BE(names.length, 8)
  let pos = 12
  for (const [path, n] of names) {
    const e = entries.get(path)!
    buf.writeUInt32BE(parseInt(e.mode, 8), pos + MODE_AT)
    buf.write(e.oid, pos + OID_AT, 'hex')
    buf.writeUInt16BE(Math.min(n.length, 0xfff), pos + FLAGS_AT)
    n.copy(buf, pos + PATH_AT)
    pos += (PATH_AT + n.length + 8) & ~7
  }
  save(gitdir, buf)
}

function readIndexFile(gitdir: string): Buffer | undefined {
  let buf: Buffer
  try {
    buf = readFileSync(join(gitdir, 'index'))
  } catch {
    return undefined
  }
  return buf.length >= 32 && buf.toString('latin1', 0, 4) === 'DIRC' && buf.readUInt32BE(4) === 2 ? buf : undefined
}

/** Calls `fn` with each entry's start and the end of its path; returns where the entries end. */
function forEachEntry(buf: Buffer, fn: (pos: number, pathEnd: number) => void): number {
  let pos = 12
  for (let i = buf.readUInt32BE(8); i > 0; i--) {
    const end = buf.indexOf(0, pos + PATH_AT)
    fn(pos, end)
    pos += (end - pos + 8) & ~7
  }
  return pos
}

/** Patches the entries of `changed` in place; false (buf untouched) when that is not the whole update. */
function patchEntries(buf: Buffer, changed: readonly ({ path: string } & IndexEntry)[]): boolean {
  // Paths compared as the latin1 reading of their UTF-8 bytes: one cheap string per entry.
  const wanted = new Map(changed.map((f) => [Buffer.from(encoder.encode(f.path)).toString('latin1'), f]))
  const found: [number, { path: string } & IndexEntry][] = []
  const end = forEachEntry(buf, (pos, pathEnd) => {
    const f = wanted.get(buf.toString('latin1', pos + PATH_AT, pathEnd))
    if (f) found.push([pos, f])
  })
  // Extensions (a cached tree git wrote, say) would describe the old entries: rewrite instead.
  if (found.length !== wanted.size || end !== buf.length - 20) return false
  for (const [pos, f] of found) {
    buf.fill(0, pos, pos + OID_AT)
    buf.writeUInt32BE(parseInt(f.mode, 8), pos + MODE_AT)
    buf.write(f.oid, pos + OID_AT, 'hex')
  }
  return true
}

/** Seals `buf` (its last 20 bytes become the SHA-1 of the rest, git's trailer) and writes it atomically. */
function save(gitdir: string, buf: Buffer): void {
  new Bun.CryptoHasher('sha1').update(buf.subarray(0, buf.length - 20)).digest().copy(buf, buf.length - 20)
  const tmp = join(gitdir, 'index.zoi-tmp')
  writeFileSync(tmp, buf)
  renameSync(tmp, join(gitdir, 'index'))
}
