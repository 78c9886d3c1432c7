/**
 * Git sources in the source cache: one bare repository per URL, `git/<sha256 of the URL>.git`
 * (the same name a source mirror serves it under). A ref already there is served without any
 * network; a missing one is fetched online with the embedded client through the network edge —
 * from each source mirror first, then the URL — and recorded in the index; offline it is exit 5
 * naming the URL and the ref.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { HttpClient } from 'isomorphic-git'
import { git } from '../registry/git-lib.ts'
import { isZoiError, ZoiError } from '../errors.ts'
import { redactUrl } from '../platform/net.ts'
import { toZoiError } from '../registry/git-errors.ts'
import { createGitHttp } from '../registry/git-http.ts'
import { gitFs as fs } from '../registry/git-swap.ts'
import { missingSource, type SourceCache } from './source-cache.ts'
import { notePackage, updateIndex } from './source-index.ts'
import { gitCandidates, urlKey } from './source-mirrors.ts'

export interface CachedRef {
  gitdir: string
  /** The commit the ref names (annotated tags peeled). */
  commit: string
  /** `refs/heads/x` or `refs/tags/x` when the ref is a name; undefined for a commit id. */
  fullRef?: string
}

export function gitRepoPath(cacheDir: string, url: string): string {
  return join(cacheDir, 'git', `${urlKey(url)}.git`)
}

const COMMIT_ID = /^[0-9a-f]{40}$/

/** Makes sure the cache holds `ref` (a branch, tag, commit id, or HEAD when undefined) of `url`. */
export async function ensureGitRef(cache: SourceCache, url: string, ref: string | undefined, depth?: number): Promise<CachedRef> {
  const gitdir = gitRepoPath(cache.dir, url)
  const wanted = ref ?? 'HEAD'
  let found = await resolveCached(gitdir, wanted)
  if (!found) {
    if (cache.opts.net.offline) throw missingSource(url, `git source (ref ${wanted})`)
    await fetchInto(cache, gitdir, url, wanted, depth)
    found = await resolveCached(gitdir, wanted)
    if (!found) throw new ZoiError('NOT_FOUND', `git ref '${wanted}' not found in ${redactUrl(url)}`)
  }
  const commit = found.commit
  updateIndex(cache.dir, (index) => {
    const old = index.git[url]
    index.git[url] = { repo: `git/${urlKey(url)}.git`, refs: { ...old?.refs, [wanted]: commit }, packages: notePackage(old?.packages ?? [], cache.opts.pkg) }
  })
  return { gitdir, ...found }
}

/** Fetches every branch and tag of `url` (a `git fetch` with no ref); offline, the cache is what there is. */
export async function ensureGitAll(cache: SourceCache, url: string): Promise<string> {
  const gitdir = gitRepoPath(cache.dir, url)
  if (cache.opts.net.offline) {
    if (!existsSync(gitdir)) throw missingSource(url, 'git source')
    return gitdir
  }
  await fetchInto(cache, gitdir, url, undefined, undefined)
  return gitdir
}

async function resolveCached(gitdir: string, wanted: string): Promise<Omit<CachedRef, 'gitdir'> | undefined> {
  if (!existsSync(join(gitdir, 'objects'))) return undefined
  if (COMMIT_ID.test(wanted)) {
    const ok = await git.readCommit({ fs, gitdir, oid: wanted }).then(() => true, () => false)
    return ok ? { commit: wanted } : undefined
  }
  for (const fullRef of wanted === 'HEAD' ? ['HEAD'] : [`refs/heads/${wanted}`, `refs/tags/${wanted}`, wanted]) {
    const oid = await git.resolveRef({ fs, gitdir, ref: fullRef }).catch(() => undefined)
    if (oid === undefined) continue
    const commit = await peel(gitdir, oid).catch(() => undefined)
    if (commit === undefined) continue
    const named = fullRef === 'HEAD' ? await git.resolveRef({ fs, gitdir, ref: 'HEAD', depth: 2 }).catch(() => undefined) : fullRef
    // A detached HEAD only keeps the repository servable (see fetchOne); it is not upstream's HEAD.
    if (fullRef === 'HEAD' && !named?.startsWith('refs/heads/')) return undefined
    return { commit, fullRef: named?.startsWith('refs/') ? named : undefined }
  }
  return undefined
}

/** An annotated tag (or a chain of them) down to its commit. */
export async function peel(gitdir: string, oid: string): Promise<string> {
  let current = oid
  for (let i = 0; i < 8; i++) {
    const { type, object } = await git.readObject({ fs, gitdir, oid: current })
    if (type === 'commit') return current
    if (type !== 'tag') throw new ZoiError('NOT_FOUND', `${oid} is a ${type}, not a commit`)
    current = (object as { object: string }).object
  }
  throw new ZoiError('INTEGRITY', `tag ${oid} does not lead to a commit`)
}

async function fetchInto(cache: SourceCache, gitdir: string, url: string, wanted: string | undefined, depth: number | undefined): Promise<void> {
  if (!/^https?:\/\//i.test(url)) {
    throw new ZoiError('USAGE', `zoi's git serves http(s) repositories only; cannot fetch '${redactUrl(url)}'`)
  }
  if (!existsSync(join(gitdir, 'objects'))) {
    mkdirSync(gitdir, { recursive: true })
    await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' })
    // Mirror refspec: branches and tags keep their names, so the cache is itself a servable mirror.
    await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/*:refs/*' })
  }
  const http = createGitHttp(cache.opts.net)
  let last: unknown
  for (const candidate of gitCandidates(cache.opts.mirrors, url)) {
    try {
      cache.opts.report?.({ kind: 'info', text: `fetching ${redactUrl(candidate)}${wanted ? ` (${wanted})` : ''}` })
      await fetchOne(http, gitdir, candidate, wanted, depth)
      return
    } catch (e) {
      last = toZoiError(e, candidate, true)
      // A mirror without this repository (or ref) is skipped; upstream's answer is final.
      if (candidate === url || !(isZoiError(last, 'NETWORK') || isZoiError(last, 'NOT_FOUND'))) break
    }
  }
  throw isZoiError(last, 'NETWORK') ? missingSource(url, 'git source', last) : last
}

async function fetchOne(http: HttpClient, gitdir: string, url: string, wanted: string | undefined, depth: number | undefined): Promise<void> {
  if (wanted === undefined || COMMIT_ID.test(wanted)) {
    // A bare commit id cannot be asked for by name: take every branch and tag.
    await git.fetch({ fs, http, gitdir, url, singleBranch: false, tags: true, cache: {} })
    return
  }
  const info = await git.getRemoteInfo2({ http, url, protocolVersion: 1 })
  const refs = info.refs ?? []
  const remote = wanted === 'HEAD' ? refs.find((r) => r.ref === 'HEAD') : refs.find((r) => r.ref === `refs/heads/${wanted}`) ?? refs.find((r) => r.ref === `refs/tags/${wanted}`) ?? refs.find((r) => r.ref === wanted)
  if (!remote) throw new ZoiError('NOT_FOUND', `git ref '${wanted}' not found in ${redactUrl(url)}`)
  const fullRef = wanted === 'HEAD' ? (remote.target ?? 'refs/heads/main') : remote.ref
  const res = await git.fetch({ fs, http, gitdir, url, ref: fullRef, remoteRef: fullRef, singleBranch: true, depth, tags: false, cache: {} })
  if (!res.fetchHead) throw new ZoiError('NOT_FOUND', `git ref '${wanted}' of ${redactUrl(url)} has no commits`)
  await git.writeRef({ fs, gitdir, ref: fullRef, value: res.fetchHead, force: true })
  if (wanted === 'HEAD') await git.writeRef({ fs, gitdir, ref: 'HEAD', value: fullRef, symbolic: true, force: true })
  else if ((await git.resolveRef({ fs, gitdir, ref: 'HEAD' }).catch(() => undefined)) === undefined) {
    // Git clients (isomorphic-git among them) expect a served repository to advertise HEAD:
    // a detached HEAD at what was fetched lets this cache repository be a source mirror as is.
    await git.writeRef({ fs, gitdir, ref: 'HEAD', value: await peel(gitdir, res.fetchHead), force: true })
  }
}
