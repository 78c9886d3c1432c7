/**
 * `registry.git`: a bare mirror of the registry's HEAD branch (full history), fetched
 * with the embedded git client — over smart HTTP through the network edge, from a local clone or
 * bare repository by copying objects, or as snapshot commits of a plain folder. The upstream tip
 * is kept in `refs/zoi/upstream` (never advertised), so the served branch can be the upstream
 * tip itself or the base-url commit on top of it, and a re-run knows what it mirrored last.
 */
import { readdir, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { git } from '../registry/git-lib.ts'
import { ZoiError } from '../errors.ts'
import { makeStagingDir } from '../platform/fs.ts'
import { redactUrl, type Net } from '../platform/net.ts'
import { toZoiError } from '../registry/git-errors.ts'
import { dumbHeadAfter, fetchDumb } from '../registry/git-dumb.ts'
import { createGitHttp } from '../registry/git-http.ts'
import { copyObjects, readLocalHead } from '../registry/git-local.ts'
import { hashOnly, snapshotTree, writeMissing } from '../registry/git-snapshot.ts'
import { classifySource } from '../registry/git-source.ts'
import { gitFs as fs } from '../registry/git-swap.ts'
import { STATE_DIR } from './mirror-layout.ts'
import { isBareRepo } from './smart-http.ts'

export const UPSTREAM_REF = 'refs/zoi/upstream'

export interface UpstreamState {
  /** The upstream's HEAD branch (`refs/heads/main`): the branch the mirror serves. */
  branch: string
  head: string
  previous?: string
}

/** Creates `gitdir` when needed and brings the upstream's HEAD branch into it. */
export async function fetchUpstream(opts: { url: string; gitdir: string; net: Net }): Promise<UpstreamState> {
  const { url, gitdir } = opts
  const source = await classifySource(url)
  try {
    await ensureBareRepo(gitdir)
    const where = source.kind === 'http' ? redactUrl(source.url).replace(/\*\*\*@/, '') : source.path
    const recorded = await git.getConfig({ fs, gitdir, path: 'remote.upstream.url' })
    if (recorded && recorded !== where) {
      throw new ZoiError('CONFLICT', `${gitdir} mirrors ${recorded}, not ${where}`, {
        hint: 'mirror each registry into its own folder (or delete registry.git to start over)',
      })
    }
    await git.setConfig({ fs, gitdir, path: 'remote.upstream.url', value: where })
    await git.setConfig({ fs, gitdir, path: 'remote.upstream.fetch', value: '+refs/heads/*:refs/remotes/upstream/*' })
    const previous = await git.resolveRef({ fs, gitdir, ref: UPSTREAM_REF }).catch(() => undefined)
    let head: { oid: string; branch: string }
    switch (source.kind) {
      case 'http': {
        head = await fetchHttp(source.url, gitdir, opts.net)
        break
      }
      case 'git': {
        head = await readLocalHead(source.gitdir, source.path)
        await copyObjects(source.gitdir, gitdir)
        break
      }
      case 'folder':
        head = { oid: await snapshotCommit(source.path, gitdir, previous), branch: 'refs/heads/main' }
        break
    }
    await git.writeRef({ fs, gitdir, ref: UPSTREAM_REF, value: head.oid, force: true })
    return { branch: head.branch, head: head.oid, previous }
  } catch (e) {
    throw toZoiError(e, url, source.kind === 'http')
  }
}

/** Smart HTTP, or a static host's files (dumb HTTP) when the host does not speak smart HTTP. */
async function fetchHttp(url: string, gitdir: string, net: Net): Promise<{ oid: string; branch: string }> {
  let head: { oid: string; branch: string }
  try {
    const res = await git.fetch({ fs, http: createGitHttp(net), gitdir, url, remote: 'upstream', remoteRef: 'HEAD', singleBranch: true, tags: false, cache: {} })
    if (!res.fetchHead) throw new ZoiError('NOT_FOUND', `registry ${redactUrl(url)} has no commits`)
    return { oid: res.fetchHead, branch: res.defaultBranch?.startsWith('refs/heads/') ? res.defaultBranch : 'refs/heads/main' }
  } catch (e) {
    head = await dumbHeadAfter(e, net, url)
  }
  await fetchDumb({ net, url, gitdir, incoming: join(dirname(gitdir), STATE_DIR, 'incoming') }, head)
  return head
}

/**
 * Points the served branch (and HEAD) at `oid`, and drops other branches: the mirror serves
 * exactly one, the one the upstream's HEAD names.
 */
export async function publishBranch(gitdir: string, branch: string, oid: string): Promise<void> {
  await git.writeRef({ fs, gitdir, ref: branch, value: oid, force: true })
  await git.writeRef({ fs, gitdir, ref: 'HEAD', value: branch, symbolic: true, force: true })
  for (const name of await git.listRefs({ fs, gitdir, filepath: 'refs/heads' })) {
    if (`refs/heads/${name}` !== branch) await git.deleteRef({ fs, gitdir, ref: `refs/heads/${name}` })
  }
}

async function ensureBareRepo(gitdir: string): Promise<void> {
  if (await isBareRepo(gitdir)) return
  const entries = await readdir(gitdir).catch(() => [] as string[])
  if (entries.length > 0) {
    throw new ZoiError('CONFLICT', `${gitdir} exists but is not a bare git repository; refusing to touch it`, { hint: 'move it away, or mirror into another folder' })
  }
  // Made aside and renamed into place: a run killed half way leaves no half-made repository
  // that the next run would refuse as "not a bare git repository".
  const staging = await makeStagingDir(join(dirname(gitdir), STATE_DIR, 'tmp'), 'init-')
  try {
    await git.init({ fs, dir: staging, bare: true, defaultBranch: 'main' })
    await rm(gitdir, { recursive: true, force: true })
    await rename(staging, gitdir)
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/** A plain-folder registry: a new commit only when the folder's tree changed. */
async function snapshotCommit(path: string, gitdir: string, previous: string | undefined): Promise<string> {
  const tree = await snapshotTree(path, hashOnly)
  if (previous && (await git.readCommit({ fs, gitdir, oid: previous })).commit.tree === tree) return previous
  const written = await snapshotTree(path, writeMissing(gitdir))
  const who = { name: 'zoi', email: 'zoi@localhost', timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 }
  const commit = { message: `snapshot of folder ${basename(path)}\n`, tree: written, parent: previous ? [previous] : [], author: who, committer: who }
  return await git.writeCommit({ fs, gitdir, commit })
}

/** The commit the mirror serves now (HEAD), if it serves one. */
export async function readServedHead(gitdir: string): Promise<string | undefined> {
  return await git.resolveRef({ fs, gitdir, ref: 'HEAD' }).catch(() => undefined)
}
