/**
 * Packfile version 2 from a list of object ids, produced as a stream: header, each object
 * (type + size varint, zlib of the content, no deltas), then the SHA-1 of everything before.
 * Undeltified packs are larger but need no delta search, and every git client accepts them.
 */
import { git } from '../registry/git-lib.ts'
import { gitFs as fs } from '../registry/git-swap.ts'
import { crypto, zlib } from '../platform/node-lazy.ts'
import { encodeObjectHeader, TYPE_CODES } from '../registry/git-pack.ts'

export async function* writePack(gitdir: string, oids: readonly string[], cache: object = {}): AsyncGenerator<Uint8Array> {
  const sha = crypto().createHash('sha1')
  const emit = (bytes: Uint8Array) => {
    sha.update(bytes)
    return bytes
  }
  const header = Buffer.alloc(12)
  header.write('PACK', 0, 'ascii')
  header.writeUInt32BE(2, 4)
  header.writeUInt32BE(oids.length, 8)
  yield emit(header)
  for (const oid of oids) {
    const { type, object } = await git.readObject({ fs, gitdir, oid, cache, format: 'content' })
    const code = TYPE_CODES[type as keyof typeof TYPE_CODES]
    const content = object as Uint8Array
    yield emit(Buffer.concat([encodeObjectHeader(code, content.length), zlib().deflateSync(content)]))
  }
  yield sha.digest()
}
