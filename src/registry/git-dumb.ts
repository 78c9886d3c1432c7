/**
 * Git's "dumb" HTTP transport: fetching a registry from a plain static host (nginx, an object
 * store, a CDN, `python3 -m http.server`) that serves a bare repository's files as they are,
 * which isomorphic-git does not speak. What the host must have is what `git update-server-info`
 * (and `zoi mirror`) writes: `info/refs`, `HEAD`, `objects/info/packs`, packs and loose objects.
 *
 * Integrity is the same as for smart HTTP: every pack is re-indexed here (each object's id is
 * computed from its bytes, never taken from the host's `.idx`), every loose object is checked
 * against its name, and the whole history is walked from the advertised commit, so a missing or
 * altered object fails the fetch. Every request goes through the network edge (offline rules,
 * retries); pack downloads resume from their `.part` file in `incoming` after an interruption.
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CommitObject, ReadObjectResult, TagObject, TreeObject } from 'isomorphic-git'
import { git } from './git-lib.ts'
import { ZoiError, isZoiError } from '../errors.ts'
import { redactUrl, type Net } from '../platform/net.ts'
import type { Report } from '../progress.ts'
import { gitFs as fs } from './git-swap.ts'
import { indexPack } from './git-pack-index.ts'
import { crypto, zlib } from '../platform/node-lazy.ts'

export interface DumbFetch {
  net: Net
  /** The repository's base URL (the folder holding `HEAD`, `info/` and `objects/`). */
  url: string
  /** Bare git directory to fill (objects are added; refs are the caller's business). */
  gitdir: string
  /** Folder that keeps partial pack downloads between runs. */
  incoming: string
  report?: Report
}

/**
 * After smart HTTP failed with `smartError`: the host's HEAD over dumb HTTP, when it may be a
 * static host — isomorphic-git rejects a non-smart answer (SmartHttpError), and some static hosts
 * answer 404 to the smart request's query string. Any other failure, or a host that has no dumb
 * repository either (e.g. a smart server whose pack was cut off), rethrows the smart error: the
 * fallback must never turn an interrupted transfer into "not found".
 */
export async function dumbHeadAfter(smartError: unknown, net: Net, url: string): Promise<{ oid: string; branch: string }> {
  const err = smartError as { code?: unknown; data?: { statusCode?: unknown } } | null
  const mayBeDumb = err?.code === 'SmartHttpError' || (err?.code === 'HttpError' && err.data?.statusCode === 404) || (isZoiError(smartError) && smartError.data?.mayBeDumb === true)
  if (!mayBeDumb) throw smartError
  try {
    return await readDumbHead(net, url)
  } catch (e) {
    if (isZoiError(e, 'NOT_FOUND')) throw smartError
    throw e
  }
}

/** The branch the host's HEAD names and its commit, from `HEAD` and `info/refs`. */
export async function readDumbHead(net: Net, url: string): Promise<{ oid: string; branch: string }> {
  const base = url.replace(/\/+$/, '')
  const refs = parseInfoRefs((await getText(net, `${base}/info/refs`, base)) ?? '')
  const head = ((await getText(net, `${base}/HEAD`, base)) ?? '').trim()
  const symbolic = /^ref:\s*(refs\/heads\/\S+)$/.exec(head)
  const branch = symbolic ? symbolic[1]! : 'refs/heads/main'
  const oid = symbolic ? refs.get(branch) : /^[0-9a-f]{40}$/.test(head) ? head : undefined
  if (!oid) {
    throw new ZoiError('NOT_FOUND', `registry ${redactUrl(base)} has no commits on ${branch}`, {
      hint: "the static host's info/refs may be stale: run 'zoi mirror' (or 'git update-server-info') on the served folder",
    })
  }
  return { oid, branch }
}

/** Brings commit `head.oid` and its whole history into `gitdir` (refs are the caller's business). */
export async function fetchDumb(opts: DumbFetch, head: { oid: string }): Promise<void> {
  const base = opts.url.replace(/\/+$/, '')
  await fetchPacks(opts, base)
  await completeHistory(opts, base, head.oid)
  await rm(opts.incoming, { recursive: true, force: true })
}

/** `info/refs`: one `<oid>\t<ref>` line per ref. */
export function parseInfoRefs(text: string): Map<string, string> {
  const refs = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{40})\t(\S+)$/.exec(line.trim())
    if (m) refs.set(m[2]!, m[1]!)
  }
  return refs
}

/** Downloads the packs the host lists that `gitdir` does not have yet, and indexes them here. */
async function fetchPacks(opts: DumbFetch, base: string): Promise<void> {
  const listed = await getText(opts.net, `${base}/objects/info/packs`, base, true)
  const names = [...(listed ?? '').matchAll(/^P (pack-[0-9a-f]{40,64})\.pack$/gm)].map((m) => m[1]!)
  const packDir = join(opts.gitdir, 'objects', 'pack')
  await mkdir(packDir, { recursive: true })
  const have = new Set(await readdir(packDir))
  let done = 0
  for (const name of names) {
    opts.report?.({ kind: 'advance', phase: 'sync', loaded: done, total: names.length, item: 'downloading packs' })
    done++
    if (have.has(`${name}.pack`) && have.has(`${name}.idx`)) continue
    const got = await opts.net.download(`${base}/objects/pack/${name}.pack`, join(opts.incoming, `${name}.pack`))
    // Named `tmp-…` until indexed: a pack without its idx is invisible to readers anyway.
    const tmp = join(packDir, `tmp-${name}.pack`)
    await rename(got.path, tmp)
    try {
      indexPack(tmp, `${redactUrl(base)}/objects/pack/${name}.pack`)
    } catch (e) {
      await rm(tmp, { force: true })
      await rm(tmp.replace(/\.pack$/, '.idx'), { force: true })
      throw e
    }
    await rename(tmp.replace(/\.pack$/, '.idx'), join(packDir, `${name}.idx`))
    await rename(tmp, join(packDir, `${name}.pack`))
  }
}

/**
 * Walks every object reachable from `oid`; one not found in the packs is fetched as a loose
 * object and checked against its id. Afterwards the history is complete and connected.
 */
async function completeHistory(opts: DumbFetch, base: string, oid: string): Promise<void> {
  const seen = new Set<string>()
  const todo = [oid]
  const cache = {}
  while (todo.length > 0) {
    const next = todo.pop()!
    if (seen.has(next)) continue
    seen.add(next)
    if (seen.size % 500 === 0) opts.report?.({ kind: 'advance', phase: 'sync', loaded: seen.size, item: 'checking objects' })
    const obj = await readOrFetch(opts, base, next, cache)
    if (obj.type === 'commit') {
      const commit = obj.object as CommitObject
      todo.push(commit.tree, ...commit.parent)
    } else if (obj.type === 'tree') {
      // Gitlinks (submodules) name commits of other repositories: not ours to fetch.
      for (const entry of obj.object as TreeObject) if (entry.type !== 'commit') todo.push(entry.oid)
    } else if (obj.type === 'tag') {
      todo.push((obj.object as TagObject).object)
    }
  }
}

async function readOrFetch(opts: DumbFetch, base: string, oid: string, cache: object): Promise<ReadObjectResult> {
  try {
    return await git.readObject({ fs, gitdir: opts.gitdir, oid, format: 'parsed', cache })
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'NotFoundError') throw e
  }
  const url = `${base}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`
  const res = await opts.net.request({ url })
  const chunks: Uint8Array[] = []
  for await (const chunk of res.body) chunks.push(chunk)
  if (res.status === 404) {
    throw new ZoiError('INTEGRITY', `registry ${redactUrl(base)} is incomplete: object ${oid} is in no pack and not loose`, {
      hint: "the served folder may be half-updated; run 'zoi mirror' there again, then sync",
    })
  }
  if (res.status < 200 || res.status > 299) {
    throw new ZoiError('NETWORK', `${redactUrl(url)} answered HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`)
  }
  const deflated = Buffer.concat(chunks)
  let wrapped: Buffer
  try {
    wrapped = zlib().inflateSync(deflated)
  } catch {
    throw new ZoiError('INTEGRITY', `loose object ${oid} from ${redactUrl(base)} is not zlib data`)
  }
  if (crypto().createHash('sha1').update(wrapped).digest('hex') !== oid) {
    throw new ZoiError('INTEGRITY', `loose object ${oid} from ${redactUrl(base)} does not match its id`)
  }
  const dir = join(opts.gitdir, 'objects', oid.slice(0, 2))
  await mkdir(dir, { recursive: true })
  const path = join(dir, oid.slice(2))
  await writeFile(path + '.tmp', deflated)
  await rename(path + '.tmp', path)
  return await git.readObject({ fs, gitdir: opts.gitdir, oid, format: 'parsed', cache })
}

/** GET text; with `optional`, a 404 is `undefined` (a repository with no packs has no list). */
async function getText(net: Net, url: string, base: string, optional = false): Promise<string | undefined> {
  try {
    return await net.getText(url)
  } catch (e) {
    if (isZoiError(e, 'NETWORK') && (e.data as { status?: number } | undefined)?.status === 404) {
      if (optional) return undefined
      throw new ZoiError('NOT_FOUND', `no git repository at ${redactUrl(base)} (neither smart nor dumb HTTP: ${redactUrl(url)} is missing)`, {
        hint: "check the registry URL with 'zoi sync list'; a static host needs the files 'git update-server-info' writes ('zoi mirror' writes them)",
      })
    }
    throw e
  }
}
