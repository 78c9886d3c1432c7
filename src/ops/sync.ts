/**
 * `zoi sync`: for every configured registry, clone or fast-forward it into `<db>/<handle>/`
 * with the embedded git client, then (re)index it into `<db>/<handle>.db`. Offline, existing
 * clones are kept and only re-indexed; a registry that was never synced cannot be fetched.
 * A failed fetch leaves the previous clone and index as they were.
 */
import { existsSync, readFileSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { updateConfigFile, type RegistryRef } from '../config/index.ts'
import type { Context } from '../context.ts'
import { ZoiError, isZoiError } from '../errors.ts'
import { hostPlatform, platformString } from '../platform/arch.ts'
import { swapDirectory } from '../platform/fs.ts'
import { withLock } from '../platform/lock.ts'
import { isRemoteUrl, redactUrl } from '../platform/net.ts'
import { prepareEvaluator } from '../lua/index.ts'
import { IndexDb, indexRegistry, isRegistryHandle, parseRepoYaml, type IndexSource, type RepoYaml } from '../registry/index.ts'
import { diffDefinitionBlobs, headCommit, listDefinitionBlobs, readBlob, syncClone, type DefinitionFiles } from '../registry/git.ts'
import { commitVerifier, importRegistryKeys, type HeadVerifier } from './registry-trust.ts'
import { fetchSidecars } from './sidecar-sync.ts'
import { crypto } from '../platform/node-lazy.ts'

export interface SyncOptions {
  force?: boolean
  fallback?: boolean
  full?: boolean
}

export interface SyncedRegistry {
  url: string
  handle: string
  head: string
  /** False when offline (or the source did not move): only re-indexed. */
  fetched: boolean
  changed: boolean
  packages: number
  evaluated: number
  errors: { path: string; error: string }[]
  sidecars: { fetched: number; failed: number }
}

export async function syncRegistries(ctx: Context, opts: SyncOptions = {}): Promise<SyncedRegistry[]> {
  const refs = [ctx.config.default_registry, ...ctx.config.added_registries]
  return withLock(ctx.layout.lockFile, async () => {
    const out: SyncedRegistry[] = []
    const failures: { url: string; error: ZoiError }[] = []
    // Which URL owns each handle: two registries naming themselves alike must not share a clone.
    const owners = new Map(refs.filter((r) => r.handle).map((r) => [r.handle, r.url]))
    // One broken registry does not stop the others (pacman -Sy does the same); the run fails
    // at the end with the first failure's exit code and every failure listed.
    for (const ref of refs) {
      ctx.report({ kind: 'phase', phase: 'sync', text: `Syncing ${ref.handle || redactUrl(ref.url)}` })
      try {
        const synced = await syncOne(ctx, ref, opts, owners)
        owners.set(synced.handle, ref.url)
        out.push(synced)
      } catch (e) {
        if (!isZoiError(e)) throw e
        failures.push({ url: redactUrl(ref.url), error: e })
      }
    }
    const [first] = failures
    if (first) {
      if (failures.length === 1 && refs.length === 1) throw first.error
      const lines = failures.map((f) => `${f.url}: ${f.error.message}`)
      throw new ZoiError(first.error.code, `${failures.length} of ${refs.length} registries failed to sync (${out.length} synced):\n${lines.join('\n')}`, {
        hint: first.error.hint,
        data: { synced: out },
      })
    }
    return out
  })
}

async function syncOne(ctx: Context, ref: RegistryRef, opts: SyncOptions, owners: ReadonlyMap<string, string>): Promise<SyncedRegistry> {
  const db = ctx.layout.dbDir
  const known = ref.handle && isRegistryHandle(ref.handle) && existsSync(join(db, ref.handle, '.git')) ? ref.handle : undefined
  const mayFetch = !ctx.offline || !isRemoteUrl(ref.url)
  let handle = known
  let fetched = false
  let changed = false
  let head: string
  let checkedOut: DefinitionFiles | undefined
  const verifyHead = await commitVerifier(ctx, ref)

  if (known && ctx.offline) {
    // Offline, an existing clone is kept as it is (even a local-path one) and only re-indexed,
    // after its HEAD passed the same signature check an online sync applies.
    head = await headCommit(join(db, known))
    await verifyHead?.(join(db, known, '.git'), head)
  } else if (known) {
    ;({ head, changed, checkedOut } = await fetchWithFallback(ctx, ref.url, join(db, known), opts, verifyHead))
    fetched = true
  } else {
    if (!mayFetch) {
      throw new ZoiError('OFFLINE', `registry '${redactUrl(ref.url)}' is not synced and offline mode forbids fetching it`, {
        hint: "run 'zoi sync' once with network access, or copy a synced registry folder into " + db,
      })
    }
    // The handle comes from repo.yaml, which we only see after cloning: clone aside, then move.
    const incoming = join(db, `.incoming-${crypto().createHash('sha1').update(ref.url).digest('hex').slice(0, 12)}`)
    await rm(incoming, { recursive: true, force: true })
    try {
      const r = await syncClone({ url: ref.url, dir: incoming, net: ctx.net, depth: opts.full ? 0 : undefined, report: ctx.report, verifyHead, onNewCommit: prepareForIndexing })
      head = r.head
      checkedOut = r.checkedOut
      handle = (await readRepoYaml(incoming, ref.url)).handle
      checkHandleFree(owners, handle, ref.url)
      const target = join(db, handle)
      if (existsSync(target)) await swapDirectory(incoming, target)
      else await rename(incoming, target)
    } finally {
      await rm(incoming, { recursive: true, force: true })
    }
    fetched = true
    changed = true
    await rememberHandle(ctx, ref.url, handle!)
  }

  const dir = join(db, handle!)
  const repo = await readRepoYaml(dir, ref.url)
  if (repo.handle !== handle) {
    throw new ZoiError('BAD_DEFINITION', `registry '${redactUrl(ref.url)}' renamed itself from '${handle}' to '${repo.handle}'`, {
      hint: `remove it with 'zoi sync remove ${handle}' and add it again`,
    })
  }
  const indexFile = join(db, `${handle}.db`)
  // --force rebuilds the index too, but only when the sidecar data it holds can be fetched again.
  if (opts.force && !ctx.offline) for (const s of ['', '-wal', '-shm', '.list']) await rm(indexFile + s, { force: true })
  const index = IndexDb.open(indexFile, { summaryHandle: handle! })
  try {
    const platform = platformString(hostPlatform())
    // The index already describes this exact commit for this platform: a no-change sync costs
    // one fetch and no tree walk.
    const current = index.getMeta('head') === head && index.getMeta('platform') === platform
    ctx.report({ kind: 'phase', phase: 'index', text: current ? `${handle} index is current` : `Indexing ${handle}` })
    const result = current
      ? { packages: index.packageCount(), evaluated: 0, removed: 0, errors: index.definitionErrors() }
      : await indexRegistry({
          db: index,
          source: await indexSource(dir, index, head, platform, checkedOut),
          target: hostPlatform(),
          meta: { head, platform },
          report: ctx.report,
        })
    for (const e of result.errors) ctx.report({ kind: 'warn', text: e.error })
    const sidecars = ctx.offline ? { fetched: 0, failed: 0 } : await fetchSidecars(ctx, index, repo)
    if (!ctx.offline && repo.keys.length > 0) await importRegistryKeys(ctx, repo)
    return { url: ref.url, handle: handle!, head, fetched, changed, packages: result.packages, evaluated: result.evaluated, errors: result.errors, sidecars }
  } finally {
    index.close()
  }
}

/**
 * What the indexer reads. When the index describes an earlier commit of this clone for this
 * platform, only the folders that changed since then (a diff of the two trees); otherwise every
 * definition. The base is the index's own commit, not the clone's previous HEAD: an index left
 * behind (a sync interrupted after the swap, a restored backup) still catches up exactly.
 * A sync that checked out the whole tree hands over the definition files it wrote: every
 * definition, read already.
 */
async function indexSource(dir: string, index: IndexDb, head: string, platform: string, checkedOut?: DefinitionFiles): Promise<IndexSource> {
  const readBlobOf = (oid: string) => readBlob(dir, oid)
  if (checkedOut) return { blobs: checkedOut.blobs, readBlob: async (oid) => checkedOut.data.get(oid) ?? readBlobOf(oid) }
  const base = index.getMeta('head')
  if (base && index.getMeta('platform') === platform) {
    const diff = await diffDefinitionBlobs(dir, base, head).catch(() => undefined) // base gone (force-push, shallow): full
    if (diff) return { blobs: diff.blobs, folders: diff.folders, readBlob: readBlobOf }
  }
  return { blobs: await listDefinitionBlobs(dir), readBlob: readBlobOf }
}

/** Fetch from the registry URL; with --fallback, from the `git:` mirrors of repo.yaml when it fails. */
async function fetchWithFallback(ctx: Context, url: string, dir: string, opts: SyncOptions, verifyHead?: HeadVerifier): Promise<{ head: string; changed: boolean; checkedOut?: DefinitionFiles }> {
  // A new commit will be indexed: the Lua engine starts while the fetch waits on the network.
  const attempt = (u: string) => syncClone({ url: u, dir, net: ctx.net, depth: opts.full ? 0 : undefined, fresh: opts.force, report: ctx.report, verifyHead, onNewCommit: prepareForIndexing })
  try {
    return await attempt(url)
  } catch (e) {
    if (!opts.fallback || !isZoiError(e) || e.exitCode !== 5) throw e
    const mirrors = (await readRepoYaml(dir, url)).git.filter((g) => g.url !== url)
    for (const m of mirrors) {
      ctx.report({ kind: 'warn', text: `${redactUrl(url)} failed (${e.message}); trying mirror ${redactUrl(m.url)}` })
      try {
        return await attempt(m.url)
      } catch (me) {
        if (!isZoiError(me) || me.exitCode !== 5) throw me
      }
    }
    throw e
  }
}

/**
 * A new commit is being fetched: the Lua engine starts while the fetch waits on the network and,
 * for a new clone (every definition will be evaluated), warms up in that wait too.
 */
function prepareForIndexing(whole: boolean): void {
  prepareEvaluator({ warmUp: whole })
}

async function readRepoYaml(dir: string, url: string): Promise<RepoYaml> {
  const file = join(dir, 'repo.yaml')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new ZoiError('BAD_DEFINITION', `registry '${redactUrl(url)}' has no repo.yaml at its root`, { hint: 'a registry needs a repo.yaml with at least a name' })
  }
  return parseRepoYaml(text, `${redactUrl(url)}/repo.yaml`)
}

function checkHandleFree(owners: ReadonlyMap<string, string>, handle: string, url: string): void {
  const owner = owners.get(handle)
  if (owner === undefined || owner === url) return
  throw new ZoiError('CONFLICT', `registries '${redactUrl(owner)}' and '${redactUrl(url)}' are both named '${handle}' in their repo.yaml; zoi keeps one clone and index per name`, {
    hint: `remove one of them ('zoi sync remove ${redactUrl(url)}'), or give one a different name in its repo.yaml`,
  })
}

/** Write the discovered handle next to the URL in the config file zoi writes. */
async function rememberHandle(ctx: Context, url: string, handle: string): Promise<void> {
  await updateConfigFile(ctx.layout.configWriteFile, (cur) => {
    const changes: Partial<typeof cur> = {}
    // The default registry may come from the built-in default: then it is written out too.
    const def = cur.default_registry ?? (ctx.config.default_registry.url === url ? ctx.config.default_registry : undefined)
    if (def?.url === url) changes.default_registry = { ...def, handle }
    if (cur.added_registries?.some((r) => r.url === url)) {
      changes.added_registries = cur.added_registries.map((r) => (r.url === url ? { ...r, handle } : r))
    }
    return changes
  })
}
