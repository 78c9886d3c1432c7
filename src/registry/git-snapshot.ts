/**
 * Git trees from a plain folder (a registry that is not a git repository). The same walk either
 * only hashes (to learn whether anything changed since the last snapshot, writing nothing) or
 * writes blobs and trees into a repository. Only regular files are taken; `.git` entries,
 * symlinks and empty folders are skipped.
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { exists } from './git-swap.ts'
import { limitFor, tooLarge } from './git-size-limits.ts'
import { crypto, zlib } from '../platform/node-lazy.ts'
import { replaceFile } from '../platform/fs.ts'

/** Stores (or just hashes) one object and returns its id. */
export type ObjectSink = (type: 'blob' | 'tree', content: Uint8Array) => Promise<string>

export const hashOnly: ObjectSink = async (type, content) => {
  return crypto().createHash('sha1').update(`${type} ${content.byteLength}\0`).update(content).digest('hex')
}

/**
 * Writes objects the repository lacks as loose objects (zlib of `<type> <size>\0<content>`, the
 * format git and isomorphic-git read). Unchanged files of an earlier snapshot are already there
 * (snapshots are never packed), so only what changed is compressed and written. node:zlib is
 * used directly because isomorphic-git's writeObject is ~10x slower per object in Bun.
 */
export function writeMissing(gitdir: string): ObjectSink {
  return async (type, content) => {
    const header = Buffer.from(`${type} ${content.byteLength}\0`)
    const oid = crypto().createHash('sha1').update(header).update(content).digest('hex')
    const path = join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2))
    if (await exists(path)) return oid
    await mkdir(dirname(path), { recursive: true })
    // Renamed into place: a killed write never leaves a truncated object that exists() takes as present.
    await replaceFile(path, zlib().deflateSync(Buffer.concat([header, content])))
    return oid
  }
}

/** The same sink, calling `onFile` with the count of files hashed so far (a large folder takes a while). */
export function countingFiles(sink: ObjectSink, onFile: (count: number) => void): ObjectSink {
  let files = 0
  return async (type, content) => {
    const oid = await sink(type, content)
    if (type === 'blob') onFile(++files)
    return oid
  }
}

/** The id of the tree that snapshots `root` (the empty tree for a folder without files). */
export async function snapshotTree(root: string, sink: ObjectSink, where = root): Promise<string> {
  return (await folderTree(root, '', sink, where)) ?? (await sink('tree', new Uint8Array()))
}

interface TreeItem {
  mode: string
  name: string
  oid: string
}

async function folderTree(dir: string, prefix: string, sink: ObjectSink, where: string): Promise<string | undefined> {
  const items: TreeItem[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === '.git') continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      const oid = await folderTree(path, `${prefix}${entry.name}/`, sink, where)
      if (oid) items.push({ mode: '40000', name: entry.name, oid })
    } else if (entry.isFile()) {
      // The size is checked before the content is read: a huge file must not reach memory.
      const info = await stat(path)
      if (info.size > limitFor(prefix + entry.name)) throw tooLarge(where, prefix + entry.name, info.size)
      const content = await readFile(path)
      const mode = info.mode & 0o111 ? '100755' : '100644'
      items.push({ mode, name: entry.name, oid: await sink('blob', content) })
    }
  }
  if (items.length === 0) return undefined
  return await sink('tree', encodeTree(items))
}

/** Git's tree encoding; entries sort by name bytes, a folder's name compared as `name/`. */
function encodeTree(items: TreeItem[]): Uint8Array {
  const key = (i: TreeItem) => Buffer.from(i.mode === '40000' ? i.name + '/' : i.name)
  items.sort((a, b) => Buffer.compare(key(a), key(b)))
  const parts: Uint8Array[] = []
  for (const item of items) {
    parts.push(Buffer.from(`${item.mode} ${item.name}\0`), Buffer.from(item.oid, 'hex'))
  }
  return Buffer.concat(parts)
}
