/**
 * Which objects an upload-pack response must carry: everything reachable from the client's
 * wants that it does not already have, cut at `deepen N` for shallow clients. What the client
 * has is approximated from its common haves: every commit reachable from them (stopping at the
 * client's own shallow boundary) and the trees and blobs of the have commits themselves. An
 * object the client already holds deeper in history may be sent again; that is harmless.
 */
import type { CommitObject, TagObject } from 'isomorphic-git'
import { git } from '../registry/git-lib.ts'
import { gitFs as fs } from '../registry/git-swap.ts'

export interface WalkRequest {
  wants: string[]
  haves: string[]
  /** Commits the client says are its shallow boundary (`shallow <oid>` lines). */
  clientShallows: string[]
  /** `deepen N`: the want commits count as depth 1. */
  depth?: number
}

export interface WalkResult {
  /** Objects to pack, commits first. */
  oids: string[]
  /** Haves this repository knows, in the client's order. */
  common: string[]
  /** Commits whose parents are left out (the client's new shallow boundary). */
  shallow: string[]
}

export async function collectObjects(gitdir: string, req: WalkRequest, cache: object = {}): Promise<WalkResult> {
  const read = (oid: string) => git.readObject({ fs, gitdir, oid, cache, format: 'parsed' }).catch(() => undefined)
  const common: string[] = []
  for (const oid of req.haves) if ((await read(oid))?.type === 'commit') common.push(oid)

  // Commits the client has: ancestors of its common haves, down to its shallow boundary.
  const clientShallow = new Set(req.clientShallows)
  const hasCommits = new Set<string>()
  const queue = [...common]
  while (queue.length > 0) {
    const oid = queue.pop()!
    if (hasCommits.has(oid)) continue
    hasCommits.add(oid)
    if (clientShallow.has(oid)) continue
    const obj = await read(oid)
    if (obj?.type === 'commit') queue.push(...(obj.object as CommitObject).parent)
  }
  const hasObjects = new Set<string>()
  for (const oid of common) {
    const obj = await read(oid)
    if (obj?.type === 'commit') await walkTree(gitdir, (obj.object as CommitObject).tree, hasObjects, () => {}, cache)
  }

  const out: string[] = []
  const shallow: string[] = []
  const commits: { oid: string; tree: string }[] = []
  const seen = new Set<string>()
  let level: string[] = []
  // Annotated tags are sent as themselves and walked as what they point at.
  for (const want of req.wants) {
    let oid = want
    for (let obj = await read(oid); obj?.type === 'tag'; obj = await read(oid)) {
      if (!seen.has(oid)) out.push(oid)
      seen.add(oid)
      oid = (obj.object as TagObject).object
    }
    level.push(oid)
  }
  // Breadth-first by depth, so `deepen N` cuts every line of history at the same distance.
  for (let depth = 1; level.length > 0; depth++) {
    const next: string[] = []
    for (const oid of level) {
      if (seen.has(oid) || hasCommits.has(oid)) continue
      seen.add(oid)
      const obj = await read(oid)
      if (obj === undefined) continue
      if (obj.type !== 'commit') {
        // A tree or blob asked for directly (a lightweight tag of a tree): send it and its content.
        if (obj.type === 'tree') await walkTree(gitdir, oid, hasObjects, (o) => out.push(o), cache)
        else out.push(oid)
        continue
      }
      const commit = obj.object as CommitObject
      out.push(oid)
      commits.push({ oid, tree: commit.tree })
      const parents = commit.parent
      // A parent this repository lacks (it is shallow itself) is a boundary too.
      const present = await Promise.all(parents.map(async (p) => (await read(p)) !== undefined))
      if (parents.length > 0 && ((req.depth !== undefined && depth >= req.depth) || present.includes(false))) shallow.push(oid)
      else next.push(...parents)
    }
    level = next
  }
  // `hasObjects` doubles as the sent set from here on: every tree and blob goes out once.
  for (const c of commits) await walkTree(gitdir, c.tree, hasObjects, (o) => out.push(o), cache)
  return { oids: out, common, shallow }
}

/** Visits a tree and everything under it that `skip` lacks, adding each visited id to `skip`. */
async function walkTree(gitdir: string, tree: string, skip: Set<string>, visit: (oid: string) => void, cache: object): Promise<void> {
  if (skip.has(tree)) return
  skip.add(tree)
  visit(tree)
  const { tree: entries } = await git.readTree({ fs, gitdir, oid: tree, cache })
  for (const entry of entries) {
    if (entry.type === 'tree') await walkTree(gitdir, entry.oid, skip, visit, cache)
    else if (entry.type === 'blob' && !skip.has(entry.oid)) {
      skip.add(entry.oid)
      visit(entry.oid)
    }
  }
}
