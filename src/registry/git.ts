/**
 * Registry sync without a git binary. `syncClone` makes `dir` a clone at the source's HEAD
 * branch — over smart HTTP(S) with zoi's own client (git-smart-*.ts) through the network edge,
 * over dumb HTTP, from a local clone or bare repository, or as a snapshot commit of a plain
 * folder (isomorphic-git writes that commit) — and the readers (git-read.ts, re-exported here)
 * hand the indexer definition blobs straight from the object store.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import type { ProgressCallback } from 'isomorphic-git'
import { git } from './git-lib.ts'
import { ZoiError } from '../errors.ts'
import { redactUrl, type Net } from '../platform/net.ts'
import type { Report } from '../progress.ts'
import { toZoiError } from './git-errors.ts'
import { dumbHeadAfter, fetchDumb } from './git-dumb.ts'
import { forgetCache, moveCache, type DefinitionFiles } from './git-read.ts'
import { headBranch, initRepo, resolveRef, setOrigin, writeRef } from './git-refs.ts'
import { fetchPack } from './git-smart-fetch.ts'
import { discoverRefs } from './git-smart-refs.ts'
import { copyObjects, readLocalHead } from './git-local.ts'
import { repackIfMany } from './git-repack.ts'
import { checkBlobSizes, MAX_DEFINITION_BYTES } from './git-size-limits.ts'
import { countingFiles, hashOnly, snapshotTree, writeMissing, type ObjectSink } from './git-snapshot.ts'
import { classifySource, type SyncSource } from './git-source.ts'
import { discardStaging, exists, gitFs as fs, makeStaging, recoverInterruptedSwap, stageGitdir, swapGitdir, swapIntoPlace } from './git-swap.ts'
import { checkoutAll, finishPendingCheckout, markCheckoutPending, updateWorktree } from './git-worktree.ts'

export { diffDefinitionBlobs, headCommit, listDefinitionBlobs, readBlob, type DefinitionFiles } from './git-read.ts'

export interface SyncOptions {
  /** `http(s)://…`, `file://…` or a directory path. */
  url: string
  /** Where the clone lives (`<db>/<handle>`). The caller serialises syncs of one dir (db lock). */
  dir: string
  net: Net
  /** Commits of history to fetch over HTTP: omitted → 1 (shallow), 0 → the full history. */
  depth?: number
  /** Build a new clone instead of updating the current one (`sync --force`); still atomic. */
  fresh?: boolean
  report?: Report
  /**
   * Called with the gitdir holding the new HEAD before anything replaces the live clone (and on
   * the current HEAD when nothing changed); throwing keeps the previous clone untouched.
   */
  verifyHead?: (gitdir: string, oid: string) => Promise<void>
  /**
   * Called once a new commit is being fetched (not when the clone is already current): the
   * caller may start loading what indexing it will need while the fetch waits on the network.
   * It should not keep this thread busy before it awaits something (the Lua module's compile
   * runs on a thread of its own): staging and the pack request come next. `whole`: the commit
   * is a new clone's, so every file of it will be new.
   */
  onNewCommit?: (whole: boolean) => void
}

export interface SyncResult {
  /** Commit id of the clone's HEAD after the sync. */
  head: string
  /** HEAD before the sync; undefined when there was no usable clone. */
  previousHead?: string
  changed: boolean
  /**
   * When the sync checked out a whole tree (a new clone): the definition files it wrote, with
   * their bytes, for the indexer to read instead of the packs.
   */
  checkedOut?: DefinitionFiles
}

/** What the existing clone holds, if it is usable. */
interface CloneState {
  head: string
  branch?: string
  shallow: boolean
}

/**
 * Fills a staging repository; returns the commit and the branch HEAD should name, and
 * `largestBlob` when every object of a new clone came in one pack whose largest blob is known
 * (then no file can be over a limit that blob is under), with `blobs`, contents of blobs of that
 * pack already inflated (for the checkout).
 */
type Build = (staging: string) => Promise<{ oid: string; branch: string; largestBlob?: number; blobs?: Map<string, Uint8Array> }>

/** Blob contents a new clone's fetch hands to its checkout, inflated already: a registry of 50,000 definitions holds about 16 MB. */
const CHECKOUT_BLOB_BYTES = 64 * 1024 * 1024
type ProgressFn = ProgressCallback | undefined

/**
 * Clones or updates `dir` from `url`. The live repository is never modified while fetching: the
 * work happens in a staging repository that replaces it only on success, so a failed or
 * interrupted sync (network cut, crash) leaves the previous clone as it was.
 */
export async function syncClone(opts: SyncOptions): Promise<SyncResult> {
  const source = await classifySource(opts.url)
  const dir = resolve(opts.dir)
  mkdirSync(dirname(dir), { recursive: true })
  try {
    await recoverInterruptedSwap(dir)
    const state = await readCloneState(dir)
    if (state) await finishPendingCheckout(dir, progressTo(opts.report))
    const base = opts.fresh ? undefined : state
    const { head, checkedOut } = await syncFrom(source, dir, base, opts)
    if (head === base?.head && opts.verifyHead) await opts.verifyHead(join(dir, '.git'), head)
    return { head, previousHead: state?.head, changed: head !== state?.head, ...(checkedOut ? { checkedOut } : {}) }
  } catch (e) {
    throw toZoiError(e, opts.url, source.kind === 'http')
  }
}

/** What a sync made of `dir`: its new head, and what a whole checkout wrote. */
interface Synced {
  head: string
  checkedOut?: DefinitionFiles
}

/** Returns the new head; returns `base.head` without touching `dir` when nothing changed. */
async function syncFrom(source: SyncSource, dir: string, base: CloneState | undefined, opts: SyncOptions): Promise<Synced> {
  const where = `'${redactUrl(opts.url)}'`
  switch (source.kind) {
    case 'http': {
      let head: { oid: string; branch: string }
      try {
        return await syncSmart(source.url, dir, base, opts)
      } catch (e) {
        head = await dumbHeadAfter(e, opts.net, source.url)
      }
      // A static host: full history only (no shallow over dumb HTTP), so a shallow clone starts over.
      const reuse = base && !base.shallow ? base : undefined
      if (reuse && head.oid === reuse.head && head.branch === reuse.branch) return { head: reuse.head }
      const incoming = join(dirname(dir), `.${basename(dir)}.incoming`)
      return await buildStaged(dir, reuse, opts, async (staging) => {
        await setOrigin(join(staging, '.git'), source.url)
        await fetchDumb({ net: opts.net, url: source.url, gitdir: join(staging, '.git'), incoming, report: opts.report }, head)
        return head
      })
    }
    case 'git': {
      const upstream = await readLocalHead(source.gitdir, source.path)
      if (base && upstream.oid === base.head && upstream.branch === base.branch) return { head: base.head }
      return await buildStaged(dir, base, opts, async (staging) => {
        await copyObjects(source.gitdir, join(staging, '.git'))
        return upstream
      })
    }
    case 'folder': {
      // Hash the folder without writing anything; the same tree as HEAD means no new commit.
      const counted = (sink: ObjectSink, item: string) =>
        countingFiles(sink, (loaded) => opts.report?.({ kind: 'advance', phase: 'sync', loaded, item, unit: 'files' }))
      const tree = await snapshotTree(source.path, counted(hashOnly, 'reading folder'), where)
      if (base && (await git.readCommit({ fs, dir, oid: base.head })).commit.tree === tree) return { head: base.head }
      return await buildStaged(dir, base, opts, async (staging) => {
        const gitdir = join(staging, '.git')
        const written = await snapshotTree(source.path, counted(writeMissing(gitdir), 'snapshotting folder'), where)
        const who = { name: 'zoi', email: 'zoi@localhost', timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 }
        const commit = {
          message: `snapshot of folder ${basename(source.path)}\n`, tree: written, parent: base ? [base.head] : [], author: who, committer: who,
        }
        return { oid: await git.writeCommit({ fs, gitdir, commit }), branch: base?.branch ?? 'refs/heads/main' }
      })
    }
  }
}

/** Smart HTTP: shallow by default; an unchanged registry costs one GET of the ref advertisement. */
async function syncSmart(url: string, dir: string, base: CloneState | undefined, opts: SyncOptions): Promise<Synced> {
  const depth = opts.depth === 0 ? undefined : (opts.depth ?? 1)
  // A shallow clone cannot become a full one by fetching on top of it: start over instead.
  const reuse = base && !(depth === undefined && base.shallow) ? base : undefined
  const ad = await discoverRefs(opts.net, url)
  if (!ad.head) throw new ZoiError('NOT_FOUND', `registry ${redactUrl(url)} has no commits`)
  const head = ad.head
  const branch = ad.branch?.startsWith('refs/heads/') ? ad.branch : 'refs/heads/main'
  if (reuse && head === reuse.head && (!ad.branch || ad.branch === reuse.branch)) return { head: reuse.head }
  return await buildStaged(dir, reuse, opts, async (staging) => {
    const gitdir = join(staging, '.git')
    await setOrigin(gitdir, url)
    // An update fetches without `depth`: the server then sends only what is new since the
    // commit we have (10 changed definitions ≈ 10 blobs and their trees). With depth 1 it
    // sent the whole tree again, as large as a first clone.
    const { largestBlob, blobs } = await fetchPack({
      net: opts.net, url, ad, gitdir, want: head, have: reuse?.head, depth: reuse ? undefined : depth, report: opts.report, keepBlobs: reuse ? 0 : CHECKOUT_BLOB_BYTES,
    })
    await writeRemoteRefs(gitdir, branch, head)
    return { oid: head, branch, ...(reuse ? {} : { largestBlob, blobs }) }
  })
}

/** `refs/remotes/origin/<branch>` and `origin/HEAD` naming it, as `git fetch` leaves them. */
async function writeRemoteRefs(gitdir: string, branch: string, oid: string): Promise<void> {
  const tracking = `refs/remotes/origin/${branch.slice('refs/heads/'.length)}`
  await writeRef(gitdir, tracking, oid)
  await writeRef(gitdir, 'refs/remotes/origin/HEAD', tracking, true)
}

/**
 * Runs `build` against a staging repository and swaps the result in. A new clone is built and
 * checked out entirely in staging, then renamed into place. An update stages only `.git`
 * (objects hard-linked), swaps it in, then checks out just the paths that changed.
 */
async function buildStaged(dir: string, base: CloneState | undefined, opts: SyncOptions, build: Build): Promise<Synced> {
  const onProgress = progressTo(opts.report)
  const where = `'${redactUrl(opts.url)}'`
  opts.onNewCommit?.(!base)
  const staging = await makeStaging(dir)
  try {
    if (base) await stageGitdir(dir, staging)
    else await initRepo(join(staging, '.git'))
    const { oid, branch, largestBlob, blobs } = await build(staging)
    // Before anything reads a blob (checkout, index) and before the previous clone is replaced;
    // a new clone whose pack holds no blob over the smallest limit needs no walk to know it.
    if (base || largestBlob === undefined || largestBlob > MAX_DEFINITION_BYTES) await checkBlobSizes(staging, oid, where, base?.head)
    // Trust is decided here, while the new commit exists only in staging.
    if (opts.verifyHead) await opts.verifyHead(join(staging, '.git'), oid)
    // Force: the upstream branch may have been rewritten (force-push); we follow it.
    await writeRef(join(staging, '.git'), branch, oid)
    await writeRef(join(staging, '.git'), 'HEAD', branch, true)
    if (base) {
      // Each update adds a pack; now and then they become one (still in staging: crash-safe).
      const repacked = repackIfMany(join(staging, '.git'), where)
      if (repacked) opts.report?.({ kind: 'info', text: `combined the packs of ${where} into one` })
      await markCheckoutPending(staging)
      await swapGitdir(staging, dir)
      // The blob-size check's store, unless the repack changed the packs under it.
      if (repacked) forgetCache(staging)
      moveCache(staging, dir)
      await updateWorktree(dir, base.head, oid, onProgress)
      return { head: oid }
    }
    const checkedOut = await checkoutAll(staging, onProgress, false, blobs)
    await swapIntoPlace(staging, dir)
    forgetCache(staging)
    forgetCache(dir)
    return { head: oid, checkedOut }
  } catch (e) {
    forgetCache(staging)
    await discardStaging(staging)
    throw e
  }
}

async function readCloneState(dir: string): Promise<CloneState | undefined> {
  if (!(await exists(join(dir, '.git')))) {
    // Safety: a sync replaces `dir` wholesale; never do that to a folder zoi did not make.
    if (entriesOf(dir) > 0) {
      throw new ZoiError('CONFLICT', `${dir} exists but is not a registry clone; refusing to replace it`, {
        hint: 'move that folder away (or delete it), then sync again',
      })
    }
    return undefined
  }
  try {
    const head = await resolveRef(join(dir, '.git'), 'HEAD')
    const branch = await headBranch(join(dir, '.git'))
    const shallow = sizeOf(join(dir, '.git', 'shallow')) > 0
    return { head, branch, shallow }
  } catch {
    return undefined // a clone without a readable HEAD is rebuilt from scratch
  }
}

/** The file's size; 0 when it cannot be read (it does not exist). */
function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

/** How many entries `dir` has; 0 when it cannot be read (it does not exist). */
function entriesOf(dir: string): number {
  try {
    return readdirSync(dir).length
  } catch {
    return 0
  }
}

function progressTo(report: Report | undefined): ProgressFn {
  if (!report) return undefined
  return (p) => report({ kind: 'advance', phase: 'sync', loaded: p.loaded, total: p.total || undefined, item: p.phase, unit: 'objects' })
}
