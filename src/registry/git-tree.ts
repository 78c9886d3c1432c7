/**
 * Walking git trees through an ObjectStore: every file of a tree, or only what differs between
 * two trees. The difference descends only into subtrees whose id changed, so comparing two
 * commits of a 50k-definition registry that differ in 10 files reads a handful of trees.
 */
import { keepBounded, treeEntryAt, type ObjectStore, type TreeEntry } from './git-objects.ts'

/** A file of a tree (blob, symlink or submodule link) with its path from the root. */
export interface TreeFile {
  path: string
  oid: string
  mode: string
  type: TreeEntry['type']
}

/** A difference between two trees; shared between callers (see diffTrees), so never changed. */
export interface TreeDiff {
  /** Files new or different in the second tree. */
  readonly changed: readonly TreeFile[]
  /** Paths of files only in the first tree. */
  readonly removed: readonly string[]
  /** path → id of every subtree of the second tree that the diff entered (changed ones). */
  readonly trees: ReadonlyMap<string, string>
}

interface DiffBuilder {
  changed: TreeFile[]
  removed: string[]
  trees: Map<string, string>
}

/**
 * The last few diffs, by their two trees. Ids name contents, so a diff holds in any repository
 * holding them: a sync compares the same two commits three times (size limits in staging, the
 * checkout, the index), and at 50,000 definitions each walk of the big folder cost ~15 ms.
 */
const recentDiffs = new Map<string, TreeDiff>()

/** Every file under `tree`, in tree order. */
export function listTree(store: ObjectStore, tree: string, prefix = '', out: TreeFile[] = []): TreeFile[] {
  for (const e of store.tree(tree)) {
    const path = prefix + e.name
    if (e.type === 'tree') listTree(store, e.oid, path + '/', out)
    else out.push({ path, oid: e.oid, mode: e.mode, type: e.type })
  }
  return out
}

/**
 * What changed from tree `a` (undefined: nothing) to tree `b`. Both entry lists are in git's
 * order, so they are merged in one pass (no map of a 50k-entry folder per comparison). Should
 * the order ever disagree (exotic non-ASCII names), an entry shows as removed and changed:
 * callers apply removals first, so the outcome is still right.
 */
export function diffTrees(store: ObjectStore, a: string | undefined, b: string): TreeDiff {
  const key = `${a ?? ''}:${b}`
  const known = recentDiffs.get(key)
  if (known) return known
  const diff = diffInto(store, a, b, '', { changed: [], removed: [], trees: new Map() })
  keepBounded(recentDiffs, key, diff, 4)
  return diff
}

function diffInto(store: ObjectStore, a: string | undefined, b: string, prefix: string, out: DiffBuilder): DiffBuilder {
  if (a === b) return out
  out.trees.set(prefix === '' ? '.' : prefix.slice(0, -1), b)
  const before = a === undefined ? EMPTY : store.treeData(a)
  const after = store.treeData(b)
  let i = 0
  let j = 0
  while (i < before.length || j < after.length) {
    // An entry with the same bytes in both (mode, name, id) is skipped unread: two commits of a
    // 10,000-entry folder share all but a few, and decoding every one cost more than the rest.
    if (i < before.length && j < after.length) {
      const ie = before.indexOf(0, i) + 21
      const je = after.indexOf(0, j) + 21
      if (ie > 20 && ie <= before.length && je <= after.length && ie - i === je - j && after.compare(before, i, ie, j, je) === 0) {
        i = ie
        j = je
        continue
      }
    }
    const xAt = i < before.length ? treeEntryAt(before, i) : undefined
    const yAt = j < after.length ? treeEntryAt(after, j) : undefined
    const x = xAt?.entry
    const y = yAt?.entry
    const order = !x ? 1 : !y ? -1 : compareEntries(x, y)
    if (order < 0) {
      i = xAt!.end
      if (x!.type === 'tree') removeAll(store, x!.oid, prefix + x!.name + '/', out)
      else out.removed.push(prefix + x!.name)
      continue
    }
    j = yAt!.end
    if (order === 0) i = xAt!.end
    if (order === 0 && x!.oid === y!.oid && x!.mode === y!.mode) continue
    const old = order === 0 ? x : undefined
    const path = prefix + y!.name
    if (y!.type === 'tree') diffInto(store, old?.type === 'tree' ? old.oid : undefined, y!.oid, path + '/', out)
    else {
      if (old?.type === 'tree') removeAll(store, old.oid, path + '/', out)
      out.changed.push({ path, oid: y!.oid, mode: y!.mode, type: y!.type })
    }
  }
  return out
}

const EMPTY = Buffer.alloc(0)

/** Git's tree order: by name, a folder's name compared as `name/`. */
function compareEntries(x: TreeEntry, y: TreeEntry): number {
  if (x.name === y.name) return x.type === y.type || (x.type !== 'tree' && y.type !== 'tree') ? 0 : x.type === 'tree' ? 1 : -1
  const kx = x.type === 'tree' ? x.name + '/' : x.name
  const ky = y.type === 'tree' ? y.name + '/' : y.name
  return kx < ky ? -1 : kx > ky ? 1 : 0
}

function removeAll(store: ObjectStore, tree: string, prefix: string, out: DiffBuilder): void {
  for (const f of listTree(store, tree, prefix)) out.removed.push(f.path)
}
