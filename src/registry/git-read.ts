/**
 * Reading a registry clone without its working tree: HEAD, the definition files of a commit as
 * path → blob id, and blob bytes. The indexer compares blob ids with the ones it stored and
 * re-evaluates only the definitions that changed.
 */
import { resolve } from 'node:path'
import { git } from './git-lib.ts'
import { ZoiError } from '../errors.ts'
import { toZoiError } from './git-errors.ts'
import { gitFs as fs } from './git-swap.ts'

/** The commit id HEAD of the clone in `dir` points at. */
export async function headCommit(dir: string): Promise<string> {
  try {
    return await git.resolveRef({ fs, dir, ref: 'HEAD' })
  } catch (e) {
    throw new ZoiError('NOT_FOUND', `no registry clone at ${dir}`, { cause: e, hint: 'run `zoi sync`' })
  }
}

/** When the HEAD commit of the clone in `dir` was made (its committer time). */
export async function headCommitTime(dir: string): Promise<Date> {
  const oid = await headCommit(dir)
  const { commit } = await git.readCommit({ fs, dir, oid })
  return new Date(commit.committer.timestamp * 1000)
}

/**
 * Every definition file at `ref` (default HEAD): `*.lua` anywhere and the root `repo.yaml`,
 * path → blob id. Reads tree objects only, never the working tree, so the indexer can compare
 * blob ids with the ones it stored and re-evaluate just the changed definitions.
 */
export async function listDefinitionBlobs(dir: string, ref = 'HEAD'): Promise<Map<string, string>> {
  const cache = cacheFor(dir)
  try {
    const oid = await git.resolveRef({ fs, dir, ref })
    const { commit } = await git.readCommit({ fs, dir, oid, cache })
    const found = new Map<string, string>()
    await collectDefinitions(dir, commit.tree, '', found, cache)
    // Subtrees are read concurrently; sort so callers see a stable order.
    return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  } catch (e) {
    throw toZoiError(e, dir, false)
  }
}

async function collectDefinitions(dir: string, tree: string, prefix: string, out: Map<string, string>, cache: object): Promise<void> {
  const { tree: entries } = await git.readTree({ fs, dir, oid: tree, cache })
  const subtrees: Promise<void>[] = []
  for (const entry of entries) {
    const path = prefix + entry.path
    if (entry.type === 'tree') subtrees.push(collectDefinitions(dir, entry.oid, path + '/', out, cache))
    else if (entry.type === 'blob' && (path.endsWith('.lua') || path === 'repo.yaml')) out.set(path, entry.oid)
  }
  await Promise.all(subtrees)
}

/** The bytes of blob `oid` in the clone at `dir`. */
export async function readBlob(dir: string, oid: string): Promise<Uint8Array> {
  try {
    return (await git.readBlob({ fs, dir, oid, cache: cacheFor(dir) })).blob
  } catch (e) {
    throw toZoiError(e, dir, false)
  }
}

/**
 * isomorphic-git re-parses a pack's index on every read unless given a cache object; the
 * indexer reads thousands of blobs, so each clone keeps one. Pack files are named by content,
 * so an entry can never describe the wrong bytes; a swap drops the entry anyway to free memory.
 */
const caches = new Map<string, object>()

/** Called after a sync swapped a clone, so its old pack data is not kept alive. */
export function forgetCache(dir: string): void {
  caches.delete(resolve(dir))
}

function cacheFor(dir: string): object {
  const key = resolve(dir)
  let cache = caches.get(key)
  if (!cache) {
    if (caches.size >= 4) caches.delete(caches.keys().next().value!)
    cache = {}
    caches.set(key, cache)
  }
  return cache
}
