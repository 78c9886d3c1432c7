/**
 * Reading a registry clone without its working tree: HEAD, the definition files of a commit as
 * path → blob id, and blob bytes. The indexer compares blob ids with the ones it stored and
 * re-evaluates only the definitions that changed.
 */
import { join, posix, resolve } from 'node:path'
import { git } from './git-lib.ts'
import { ZoiError } from '../errors.ts'
import { toZoiError } from './git-errors.ts'
import { ObjectStore } from './git-objects.ts'
import { resolveRef } from './git-refs.ts'
import { gitFs as fs } from './git-swap.ts'
import { diffTrees, listTree } from './git-tree.ts'

/** The commit id HEAD of the clone in `dir` points at. */
export async function headCommit(dir: string): Promise<string> {
  try {
    return await resolveRef(join(dir, '.git'), 'HEAD')
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
  try {
    const oid = await resolveRef(join(dir, '.git'), ref)
    const store = storeFor(dir)
    const found = new Map<string, string>()
    for (const f of listTree(store, store.commitTree(oid))) if (f.type === 'blob' && isDefinitionPath(f.path)) found.set(f.path, f.oid)
    return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  } catch (e) {
    throw toZoiError(e, dir, false)
  }
}

/** Definition files as path → blob id (in the tree's order), with the bytes of those blobs (what a checkout read). */
export interface DefinitionFiles {
  blobs: Map<string, string>
  data: Map<string, Uint8Array>
}

/** The files the indexer reads: `*.lua` anywhere and the root `repo.yaml`. */
export function isDefinitionPath(path: string): boolean {
  return path.endsWith('.lua') || path === 'repo.yaml'
}

/**
 * What changed in the definition files between commits `from` and `to`, walking only the
 * subtrees whose id differs: the `.lua` files of every folder that holds a changed, added or
 * removed one (all of that folder's, since INCLUDE makes them one unit) and the removed paths.
 */
export async function diffDefinitionBlobs(dir: string, from: string, to: string): Promise<{ blobs: Map<string, string>; removed: string[]; folders: Set<string> }> {
  try {
    const store = storeFor(dir)
    const toTree = store.commitTree(to)
    const diff = diffTrees(store, store.commitTree(from), toTree)
    const folders = new Set<string>()
    for (const p of [...diff.changed.map((f) => f.path), ...diff.removed]) if (isDefinitionPath(p)) folders.add(posix.dirname(p))
    const blobs = new Map<string, string>()
    for (const folder of folders) {
      // A folder whose tree changed was entered by the diff; one not entered no longer exists.
      const tree = diff.trees.get(folder)
      if (!tree) continue
      for (const e of store.tree(tree)) {
        const path = folder === '.' ? e.name : `${folder}/${e.name}`
        if (e.type === 'blob' && isDefinitionPath(path)) blobs.set(path, e.oid)
      }
    }
    return { blobs, removed: diff.removed.filter(isDefinitionPath), folders }
  } catch (e) {
    throw toZoiError(e, dir, false)
  }
}

/** The bytes of blob `oid` in the clone at `dir`. */
export async function readBlob(dir: string, oid: string): Promise<Uint8Array> {
  try {
    return storeFor(dir).get(oid, 'blob').data
  } catch (e) {
    throw toZoiError(e, dir, false)
  }
}

/**
 * One object store per clone (its pack indexes parsed once); the indexer reads thousands of
 * blobs. Packs are named by content, so an entry can never describe the wrong bytes; a swap
 * drops the entry anyway, since the new repository may hold packs the old store does not know.
 */
const stores = new Map<string, ObjectStore>()

/** Called after a sync swapped a clone, so its old pack data is not kept alive. */
export function forgetCache(dir: string): void {
  stores.delete(resolve(dir))
}

/**
 * Called after the `.git` of the clone staged at `from` became `to`'s, unchanged since its
 * store was made: `to` gets that store (its pack indexes are not read again), `from` none.
 */
export function moveCache(from: string, to: string): void {
  const store = stores.get(resolve(from))
  forgetCache(from)
  forgetCache(to)
  if (store) stores.set(resolve(to), store.moved(join(resolve(to), '.git')))
}

/** The cached store of the clone at `dir` (the checkout after a swap and the indexer share it). */
export function storeFor(dir: string): ObjectStore {
  const key = resolve(dir)
  let store = stores.get(key)
  if (!store) {
    if (stores.size >= 4) stores.delete(stores.keys().next().value!)
    store = new ObjectStore(join(key, '.git'))
    stores.set(key, store)
  }
  return store
}
