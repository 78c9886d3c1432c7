/**
 * The working tree of a registry clone follows its `.git`. After an update swaps in the new
 * `.git`, only the paths that differ between the old and new commit are written, so a
 * one-file upstream change costs one file write, not a walk of the whole tree. A marker in
 * `.git` says a checkout is pending until it finished: an interrupted one is redone in full.
 *
 * zoi writes the files itself from the object store (git-objects.ts) and keeps `.git/index`
 * in step (git-index-file.ts): isomorphic-git's checkout stats and compares every path of the
 * tree even when asked for a few, which was most of a re-sync.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, rmdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { ProgressCallback } from 'isomorphic-git'
import { openGitIndex, writeGitIndex, type IndexEntry } from './git-index-file.ts'
import { ObjectStore } from './git-objects.ts'
import { errnoCode } from '../errors.ts'
import { isDefinitionPath, storeFor, type DefinitionFiles } from './git-read.ts'
import { resolveRef } from './git-refs.ts'
import { exists } from './git-swap.ts'
import { diffTrees, listTree, type TreeFile } from './git-tree.ts'

const PENDING = 'ZOI_CHECKOUT_PENDING'

type ProgressFn = ProgressCallback | undefined

export async function markCheckoutPending(dir: string): Promise<void> {
  writeFileSync(join(dir, '.git', PENDING), 'a sync swapped in this .git; the working tree may lag behind\n')
}

/** Redoes a checkout that a crash interrupted; a no-op when none is pending. */
export async function finishPendingCheckout(dir: string, onProgress: ProgressFn): Promise<void> {
  if (!(await exists(join(dir, '.git', PENDING)))) return
  await checkoutAll(dir, onProgress)
  rmSync(join(dir, '.git', PENDING), { force: true })
}

/** Brings the working tree (and index) from commit `from` to HEAD, which is `to`. */
export async function updateWorktree(dir: string, from: string, to: string, onProgress: ProgressFn): Promise<void> {
  const gitdir = join(dir, '.git')
  // The store the indexer reads next: its pack indexes are read once for both.
  const store = storeFor(dir)
  const index = openGitIndex(gitdir)
  let old: string | undefined
  try {
    old = store.commitTree(from)
  } catch {
    old = undefined
  }
  if (old === undefined || index === undefined) {
    await checkoutAll(dir, onProgress)
  } else {
    const diff = diffTrees(store, old, store.commitTree(to))
    for (const path of diff.removed) rmSync(join(dir, path), { force: true })
    pruneEmptyParents(dir, diff.removed)
    writeFiles(store, dir, diff.changed, onProgress)
    index.apply(diff.changed, diff.removed)
  }
  rmSync(join(gitdir, PENDING), { force: true })
}

/**
 * Writes every file of HEAD's tree and the index; `prune` also removes files and folders that
 * are not in the tree (what an interrupted update may have left). Without `prune`, `dir` is a
 * new clone with no files yet. Returns the definition files it wrote, with their bytes: the
 * indexer reads exactly those next, and reading them from the packs again cost a first sync
 * of 10,000 definitions a quarter of a second. `inflated`: blob contents the fetch had in hand
 * already (git-pack-index.ts keepBlobs), written without reading the pack again.
 */
export async function checkoutAll(dir: string, onProgress: ProgressFn, prune = true, inflated?: ReadonlyMap<string, Uint8Array>): Promise<DefinitionFiles> {
  const gitdir = join(dir, '.git')
  const store = new ObjectStore(gitdir)
  const files = listTree(store, store.commitTree(await resolveRef(gitdir, 'HEAD')))
  if (prune) pruneOthers(dir, new Set(files.map((f) => f.path)))
  const definitions: DefinitionFiles = { blobs: new Map(), data: new Map() }
  writeFiles(store, dir, files, onProgress, !prune, definitions, inflated)
  writeGitIndex(gitdir, new Map<string, IndexEntry>(files.map((f) => [f.path, { oid: f.oid, mode: f.mode }])))
  return definitions
}

function writeFiles(
  store: ObjectStore, dir: string, files: readonly TreeFile[], onProgress: ProgressFn, fresh = false, definitions?: DefinitionFiles, inflated?: ReadonlyMap<string, Uint8Array>,
): void {
  const made = new Set<string>(['.'])
  // Folders one level at a time, each once: a recursive mkdir per file costs a stat per level.
  // What is already there must be a real folder: a hostile tree can name `a` twice, as a
  // symlink out of the clone and as a folder holding `a/b`, and `a/b` would be written through
  // the link (git's fsck refuses such trees; nothing here relies on that).
  const ensureDir = (path: string): void => {
    if (made.has(path)) return
    ensureDir(dirname(path))
    try {
      mkdirSync(join(dir, path))
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e
      if (!lstatSync(join(dir, path)).isDirectory()) throw unsafePath(path)
    }
    made.add(path)
  }
  let done = 0
  for (const f of files) {
    checkSafePath(f.path)
    const target = join(dir, f.path)
    ensureDir(dirname(f.path))
    if (f.type === 'commit') {
      mkdirSync(target, { recursive: true }) // a submodule: git leaves an empty folder
      continue
    }
    const data = inflated?.get(f.oid) ?? store.get(f.oid, 'blob').data
    if (definitions && isDefinitionPath(f.path)) {
      definitions.blobs.set(f.path, f.oid)
      definitions.data.set(f.oid, data)
    }
    // A new clone has nothing at a path but what this tree made: a folder there means the tree
    // names the path as a folder and as a file (git's fsck refuses such trees).
    if (fresh && made.has(f.path)) throw unsafePath(f.path)
    // A symlink of the old tree would be written through, a folder would refuse the write: remove first.
    if (!fresh) rmSync(target, { force: true, recursive: true })
    made.delete(f.path) // no longer a folder, if it was one
    try {
      // Created exclusively, never written through what is there: a tree naming `x` twice, first
      // as a symlink out of the clone and then as a file, wrote the file's bytes to the link's target.
      if (f.mode === '120000') symlinkSync(new TextDecoder().decode(data), target)
      else {
        writeFileSync(target, data, { flag: 'wx' })
        if (f.mode === '100755') chmodSync(target, 0o755)
      }
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') throw unsafePath(f.path)
      throw e
    }
    if (++done % 100 === 0 || done === files.length) onProgress?.({ phase: 'Checking out files', loaded: done, total: files.length })
  }
}

/** A hostile tree must not write outside the clone or into its `.git` (git refuses these names too). */
function checkSafePath(path: string): void {
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..' || part.toLowerCase() === '.git' || part.includes('\\') || part.includes('\0')) throw unsafePath(path)
  }
}

function unsafePath(path: string): Error {
  return Object.assign(new Error(`unsafe path in tree: ${JSON.stringify(path)}`), { code: 'UnsafeFilepathError' })
}

/** Removes the folders that became empty, from each removed file upwards (git does too). */
function pruneEmptyParents(root: string, removed: readonly string[]): void {
  for (const path of removed) {
    for (let d = dirname(path); d !== '.' && d !== ''; d = dirname(d)) {
      try {
        rmdirSync(join(root, d))
      } catch {
        break
      }
    }
  }
}

/** Deletes every file under `root` (except `.git`) that is not in `keep`, and folders left empty. */
function pruneOthers(root: string, keep: Set<string>, prefix = ''): boolean {
  let kept = 0
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const path = prefix + entry.name
    if (prefix === '' && entry.name === '.git') {
      kept++
    } else if (entry.isDirectory() && !keep.has(path)) {
      if (!pruneOthers(root, keep, path + '/')) kept++
    } else if (keep.has(path)) {
      kept++
    } else {
      unlinkSync(join(root, path))
    }
  }
  if (kept > 0 || prefix === '') return false
  rmdirSync(join(root, prefix))
  return true
}
