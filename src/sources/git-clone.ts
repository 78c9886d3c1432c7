/**
 * Working clones made from the source cache for the `git` of builds: the cache repository's
 * objects are copied into `<dir>/.git`, its tags and the asked-for branch become refs, and the
 * commit is checked out — exactly what `git clone` over the network would leave, with no network
 * when the cache already has it.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { git } from '../registry/git-lib.ts'
import { ZoiError } from '../errors.ts'
import { copyObjects } from '../registry/git-local.ts'
import { gitFs as fs } from '../registry/git-swap.ts'
import { ensureGitAll, ensureGitRef, peel, type CachedRef } from './git-cache.ts'
import type { SourceCache } from './source-cache.ts'

export interface CloneRequest {
  url: string
  dir: string
  branch?: string
  depth?: number
}

export async function cloneFromCache(cache: SourceCache, req: CloneRequest): Promise<void> {
  if (existsSync(req.dir) && readdirSync(req.dir).length > 0) {
    throw new ZoiError('CONFLICT', `destination path '${req.dir}' already exists and is not an empty directory`)
  }
  const got = await ensureGitRef(cache, req.url, req.branch, req.depth)
  mkdirSync(req.dir, { recursive: true })
  const branch = got.fullRef?.startsWith('refs/heads/') ? got.fullRef.slice('refs/heads/'.length) : undefined
  await git.init({ fs, dir: req.dir, defaultBranch: branch ?? 'main' })
  await git.setConfig({ fs, dir: req.dir, path: 'remote.origin.url', value: req.url })
  await git.setConfig({ fs, dir: req.dir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' })
  await takeFromCache(req.dir, got.gitdir)
  await checkoutCommit(req.dir, got, branch)
}

/** Objects, tags and remote-tracking branches of the cache repository, into the clone at `dir`. */
export async function takeFromCache(dir: string, cacheGitdir: string): Promise<void> {
  await copyObjects(cacheGitdir, join(dir, '.git'))
  for (const tag of await git.listTags({ fs, gitdir: cacheGitdir })) {
    const oid = await git.resolveRef({ fs, gitdir: cacheGitdir, ref: `refs/tags/${tag}` })
    await git.writeRef({ fs, dir, ref: `refs/tags/${tag}`, value: oid, force: true })
  }
  for (const branch of await git.listBranches({ fs, gitdir: cacheGitdir })) {
    const oid = await git.resolveRef({ fs, gitdir: cacheGitdir, ref: `refs/heads/${branch}` })
    await git.writeRef({ fs, dir, ref: `refs/remotes/origin/${branch}`, value: oid, force: true })
  }
}

/** Checks out `got.commit`: on `branch` when given, else detached. */
export async function checkoutCommit(dir: string, got: Pick<CachedRef, 'commit'>, branch?: string): Promise<void> {
  if (branch !== undefined) {
    await git.writeRef({ fs, dir, ref: `refs/heads/${branch}`, value: got.commit, force: true })
    await git.writeRef({ fs, dir, ref: 'HEAD', value: `refs/heads/${branch}`, symbolic: true, force: true })
    await git.checkout({ fs, dir, ref: branch, force: true })
  } else {
    await git.checkout({ fs, dir, ref: got.commit, force: true })
    await git.writeRef({ fs, dir, ref: 'HEAD', value: got.commit, force: true })
  }
}

/** `git checkout REV` in a clone: a name or commit it lacks is taken from the cache (fetched online). */
export async function checkoutRev(cache: SourceCache, dir: string, rev: string): Promise<void> {
  const local = await resolveLocal(dir, rev)
  if (local) {
    const isBranch = await git.resolveRef({ fs, dir, ref: `refs/heads/${rev}` }).then(() => true, () => false)
    return checkoutCommit(dir, { commit: local }, isBranch ? rev : undefined)
  }
  const url = await originUrl(dir)
  const got = await ensureGitRef(cache, url, rev)
  await takeFromCache(dir, got.gitdir)
  await checkoutCommit(dir, got)
}

/** `git fetch`: everything the cache has (fetched first when online) into the clone. */
export async function fetchFromCache(cache: SourceCache, dir: string, ref?: string): Promise<void> {
  const url = await originUrl(dir)
  const gitdir = ref === undefined ? await ensureGitAll(cache, url) : (await ensureGitRef(cache, url, ref)).gitdir
  await takeFromCache(dir, gitdir)
}

export async function resolveLocal(dir: string, rev: string): Promise<string | undefined> {
  const gitdir = join(dir, '.git')
  const m = /^(.*?)(\^\{(commit)?\}|\^0)?$/.exec(rev)
  const name = m?.[1] ?? rev
  for (const ref of [name, `refs/remotes/origin/${name}`]) {
    const oid = await git.resolveRef({ fs, gitdir, ref }).catch(() => undefined)
    if (oid !== undefined) return peel(gitdir, oid).catch(() => undefined)
  }
  if (/^[0-9a-f]{4,40}$/.test(name)) {
    const oid = name.length === 40 ? name : await git.expandOid({ fs, gitdir, oid: name }).catch(() => undefined)
    if (oid !== undefined && (await git.readCommit({ fs, gitdir, oid }).then(() => true, () => false))) return oid
  }
  return undefined
}

export async function originUrl(dir: string): Promise<string> {
  const url = (await git.getConfig({ fs, dir, path: 'remote.origin.url' })) as string | undefined
  if (!url) throw new ZoiError('NOT_FOUND', `${dir} has no 'origin' remote to fetch from`)
  return url
}
