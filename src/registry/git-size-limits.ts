/**
 * Size limits on what a registry may hold. Definitions are small text files; a multi-GiB blob
 * is an attack (or a mistake) that would take GBs of memory at checkout or indexing and wedge
 * every later sync. A sync checks every blob of the new commit by its header, before the new
 * repository replaces the previous clone, so a refused sync keeps the old clone and index.
 */
import { ZoiError } from '../errors.ts'
import { storeFor } from './git-read.ts'
import { diffTrees } from './git-tree.ts'

/** Per `.lua` file and repo.yaml. */
export const MAX_DEFINITION_BYTES = 1024 * 1024
/** Per other file (README, patches, icons…) in a registry. */
export const MAX_REGISTRY_FILE_BYTES = 64 * 1024 * 1024

/** The limit that applies to a registry path. */
export function limitFor(path: string): number {
  return path.endsWith('.lua') || path === 'repo.yaml' ? MAX_DEFINITION_BYTES : MAX_REGISTRY_FILE_BYTES
}

export function tooLarge(where: string, path: string, size: number): ZoiError {
  return new ZoiError('BAD_DEFINITION', `registry ${where}: ${path} is ${size} bytes, over the ${limitFor(path) / 1024 / 1024} MiB limit for registry files`, {
    hint: 'a registry holds small definition files; remove the large file from the registry (the previous sync is kept)',
  })
}

/**
 * Throws when a blob of commit `oid` in the repository at `dir` is over its limit. Subtrees
 * and blobs unchanged since `baseOid` (the previous clone's head, checked by its own sync) are
 * skipped, so an update costs a walk of what changed only.
 */
export async function checkBlobSizes(dir: string, oid: string, where: string, baseOid?: string): Promise<void> {
  const store = storeFor(dir)
  let base: string | undefined
  try {
    base = baseOid ? store.commitTree(baseOid) : undefined
  } catch {
    base = undefined
  }
  for (const f of diffTrees(store, base, store.commitTree(oid)).changed) {
    if (f.type !== 'blob') continue
    const size = store.size(f.oid)
    if (size !== undefined && size > limitFor(f.path)) throw tooLarge(where, f.path, size)
  }
}
