/**
 * The working tree of a registry clone follows its `.git`. After an update swaps in the new
 * `.git`, only the paths that differ between the old and new commit are checked out, so a
 * one-file upstream change costs one file write, not a walk of the whole tree. A marker in
 * `.git` says a checkout is pending until it finished: an interrupted one is redone in full.
 */
import { readdir, rm, rmdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ProgressCallback } from 'isomorphic-git'
import { git } from './git-lib.ts'
import type { Report } from '../progress.ts'
import { exists, gitFs as fs } from './git-swap.ts'

const PENDING = 'ZOI_CHECKOUT_PENDING'
/** Past this many changed paths a full checkout is cheaper than isomorphic-git's path filter. */
const MAX_TARGETED = 500

type ProgressFn = ProgressCallback | undefined

export async function markCheckoutPending(dir: string): Promise<void> {
  await writeFile(join(dir, '.git', PENDING), 'a sync swapped in this .git; the working tree may lag behind\n')
}

/** Redoes a checkout that a crash interrupted; a no-op when none is pending. */
export async function finishPendingCheckout(dir: string, onProgress: ProgressFn): Promise<void> {
  if (!(await exists(join(dir, '.git', PENDING)))) return
  await checkoutAll(dir, onProgress)
  await rm(join(dir, '.git', PENDING), { force: true })
}

/** Brings the working tree (and index) from commit `from` to HEAD, which is `to`. */
export async function updateWorktree(dir: string, from: string, to: string, onProgress: ProgressFn): Promise<void> {
  const diff = { changed: [] as string[], removed: [] as string[] }
  const cache = {}
  const treeOf = async (oid: string) => (await git.readCommit({ fs, dir, oid, cache })).commit.tree
  await diffTrees(dir, await treeOf(from).catch(() => undefined), await treeOf(to), '', diff, cache)
  const paths = [...diff.changed, ...diff.removed]
  if (paths.length > MAX_TARGETED) {
    await checkoutAll(dir, onProgress)
  } else if (paths.length > 0) {
    const branch = await currentBranch(dir)
    await git.checkout({ fs, dir, ref: branch, filepaths: paths, force: true, onProgress, cache })
    await pruneEmptyParents(dir, diff.removed)
  }
  await rm(join(dir, '.git', PENDING), { force: true })
}

/** A forced checkout of the whole tree at HEAD's branch; `prune` also removes emptied folders. */
export async function checkoutAll(dir: string, onProgress: ProgressFn, prune = true): Promise<void> {
  await git.checkout({ fs, dir, ref: await currentBranch(dir), force: true, onProgress, cache: {} })
  if (prune) await pruneEmptyDirs(dir)
}

async function currentBranch(dir: string): Promise<string> {
  return (await git.currentBranch({ fs, dir })) ?? 'HEAD'
}

/** Files (blobs, symlinks) that are new or different in `b`, and those only in `a`. Equal subtrees are skipped. */
async function diffTrees(
  dir: string, a: string | undefined, b: string | undefined, prefix: string,
  out: { changed: string[]; removed: string[] }, cache: object,
): Promise<void> {
  if (a === b) return
  const read = async (oid?: string) => (oid ? (await git.readTree({ fs, dir, oid, cache })).tree : [])
  const before = new Map((await read(a)).map((e) => [e.path, e]))
  const after = new Map((await read(b)).map((e) => [e.path, e]))
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const x = before.get(name)
    const y = after.get(name)
    if (x && y && x.oid === y.oid && x.mode === y.mode) continue
    const path = prefix + name
    const xTree = x?.type === 'tree' ? x.oid : undefined
    const yTree = y?.type === 'tree' ? y.oid : undefined
    if (xTree || yTree) await diffTrees(dir, xTree, yTree, path + '/', out, cache)
    if (y?.type === 'blob') out.changed.push(path)
    else if (x?.type === 'blob') out.removed.push(path)
  }
}

/**
 * isomorphic-git deletes a removed package's files but not its folders (git would): remove the
 * folders that became empty, from each removed file upwards.
 */
async function pruneEmptyParents(root: string, removed: string[]): Promise<void> {
  for (const path of removed) {
    for (let d = dirname(path); d !== '.' && d !== ''; d = dirname(d)) {
      if (!(await rmdir(join(root, d)).then(() => true, () => false))) break
    }
  }
}

/** Removes every empty folder under `root` (except `.git`); returns whether `dir` ended empty. */
async function pruneEmptyDirs(root: string, dir = root): Promise<boolean> {
  let kept = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const isGit = dir === root && entry.name === '.git'
    if (entry.isDirectory() && !isGit && (await pruneEmptyDirs(root, join(dir, entry.name)))) continue
    kept++
  }
  if (kept > 0 || dir === root) return false
  await rmdir(dir)
  return true
}
