/**
 * Combining a clone's packs, for machines with no git to run `git gc`. Every update of a
 * registry adds one pack (the objects new since the last sync) and a lookup tries the packs in
 * turn; past MAX_PACKS they are rewritten as one: every packed object, whole (no deltas),
 * indexed by zoi's own indexer. It works on a staged `.git`, whose packs are hard links of the
 * live clone's, so an error or a crash leaves the live clone as it was.
 */
import { closeSync, existsSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { crypto, zlib } from '../platform/node-lazy.ts'
import { ObjectStore } from './git-objects.ts'
import { encodeObjectHeader, TYPE_CODES } from './git-pack.ts'
import { indexPack } from './git-pack-index.ts'

/** How many packs a clone may gather before they are combined. */
export const MAX_PACKS = 32

/** Combines the packs of `gitdir` into one when there are more than `max`; true when it did. */
export function repackIfMany(gitdir: string, where: string, max = MAX_PACKS): boolean {
  const dir = join(gitdir, 'objects', 'pack')
  const packs = readdirSync(dir).filter((n) => /^pack-[0-9a-f]{40}\.pack$/.test(n) && existsSync(join(dir, n.replace(/\.pack$/, '.idx'))))
  if (packs.length <= max) return false
  const store = new ObjectStore(gitdir)
  const ids = store.packedIds()
  const tmp = join(dir, `tmp_repack_${process.pid}.pack`)
  const sha = crypto().createHash('sha1')
  const fd = openSync(tmp, 'w')
  try {
    const write = (bytes: Uint8Array) => {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done)
    }
    const put = (bytes: Uint8Array) => {
      sha.update(bytes)
      write(bytes)
    }
    const header = Buffer.alloc(12)
    header.write('PACK', 0, 'ascii')
    header.writeUInt32BE(2, 4)
    header.writeUInt32BE(ids.length, 8)
    put(header)
    for (const oid of ids) {
      const { type, data } = store.get(oid)
      put(encodeObjectHeader(TYPE_CODES[type], data.length))
      put(zlib().deflateSync(data))
    }
    write(sha.digest()) // the trailer: the SHA-1 of everything before it
  } finally {
    closeSync(fd)
  }
  // The indexer checks every object again and names the result as git would.
  const { checksum } = indexPack(tmp, where)
  const name = `pack-${checksum}`
  renameSync(tmp.replace(/\.pack$/, '.idx'), join(dir, `${name}.idx.new`))
  renameSync(tmp, join(dir, `${name}.pack`))
  renameSync(join(dir, `${name}.idx.new`), join(dir, `${name}.idx`))
  for (const old of packs) {
    if (old === `${name}.pack`) continue
    unlinkSync(join(dir, old.replace(/\.pack$/, '.idx')))
    unlinkSync(join(dir, old))
  }
  return true
}
