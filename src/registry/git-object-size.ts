/**
 * The size of a git object read from its header only, never its content: a loose object's zlib
 * stream is inflated just far enough for `<type> <size>\0`, a packed object's size comes from
 * its pack header (for a delta, from the delta's own result-size field). This lets a sync refuse
 * a registry holding a multi-GiB blob before anything loads it into memory.
 */
import { ObjectStore } from './git-objects.ts'

/** The content size of object `oid` in `gitdir`, or undefined when the repository lacks it. */
export async function objectSize(gitdir: string, oid: string): Promise<number | undefined> {
  return new ObjectStore(gitdir).size(oid)
}
