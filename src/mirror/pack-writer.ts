/**
 * Packfile version 2 from a list of object ids, produced as a stream: header, each object
 * (type + size varint, zlib of the content, no deltas), then the SHA-1 of everything before.
 * Undeltified packs are larger but need no delta search, and every git client accepts them.
 */
import { git } from '../registry/git-lib.ts'
import { gitFs as fs } from '../registry/git-swap.ts'
import { crypto, zlib } from '../platform/node-lazy.ts'

const TYPE_CODES = { commit: 1, tree: 2, blob: 3, tag: 4 } as const

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
    yield emit(Buffer.concat([objectHeader(code, content.length), zlib().deflateSync(content)]))
  }
  yield sha.digest()
}

/** First byte: continuation bit, 3-bit type, low 4 bits of the size; then 7 bits per byte. */
export function objectHeader(type: number, size: number): Uint8Array {
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
