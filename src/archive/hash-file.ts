/**
 * Streaming file digests for archive verification and the `.hash` sidecar. The file is read in
 * 1 MiB chunks, so hashing a large archive costs no more memory than a small one.
 */
import { createReadStream } from 'node:fs'
import { ZoiError, describeError, errnoCode } from '../errors.ts'
import { crypto } from '../platform/node-lazy.ts'

export type HashAlgorithm = 'sha512' | 'sha256'

/** Lower-case hex digest of the file at `path`. */
export async function hashFile(path: string, algorithm: HashAlgorithm): Promise<string> {
  const hash = crypto().createHash(algorithm)
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Uint8Array)
  } catch (e) {
    const code = errnoCode(e) === 'ENOENT' ? 'NOT_FOUND' : 'INTERNAL'
    throw new ZoiError(code, `cannot hash '${path}': ${describeError(e)}`, { cause: e })
  }
  return hash.digest('hex')
}
