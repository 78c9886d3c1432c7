/**
 * Applying a resolved install plan: every archive found and verified, then extracted, then the
 * whole set checked and committed as ONE changeset (store/changeset.ts). A full disk on the way
 * is NO_SPACE with the space needed.
 */
import { rm } from 'node:fs/promises'
import { ExtractThread, hashFile, listArchive } from '../archive/index.ts'
import { fetchArchives, type FetchedArchive } from '../cache/index.ts'
import type { Context } from '../context.ts'
import { isZoiError } from '../errors.ts'
import { normalJit } from '../platform/jit.ts'
import { applyChangeset, extractForInstall, noSpaceError, requireFreeSpace, type ExtractedArchive, type InstallRecord, type SpaceNeed } from '../store/index.ts'
import type { PlannedInstall } from './install.ts'
import type { PreparedStep } from './install-prepare.ts'
import { LOCAL_HANDLE } from './local-archive.ts'

/**
 * Every archive is found and verified first, and extracted; then the whole set is checked and
 * committed as ONE changeset (store/changeset.ts), dependencies first: a conflict in the last
 * package leaves the root exactly as it was.
 */
export async function applyPlan(
  ctx: Context,
  prepared: readonly PreparedStep[],
  opts: { pkgDirs: string[]; platform: string; keepReasons: boolean; asDependencies?: boolean },
): Promise<{ name: string; version: string }[]> {
  // An archive built here from a definition of a verified registry commit needs no signature.
  const items = prepared.map((p) => (p.planned.source ? { ...p.item, signature: undefined } : p.item))
  // Archives already here are hashed while they are extracted (one read each), not before.
  const fetched = await fetchArchives(items, { net: ctx.net, cacheDir: ctx.layout.cacheDir, pkgDirs: opts.pkgDirs, report: ctx.report, deferHash: true })
  const needs = prepared.map((p) => ({ name: p.step.pkg.name, bytes: p.planned.installSize }))
  await requireFreeSpace(ctx.layout, needs)
  // Archives are independent: two are extracted at once, one on this thread and one on another
  // (creating files is the kernel's work on the thread that asks; zstd decodes on libuv's pool).
  // Every entry of every archive runs the same code: compiled as usual from here (platform/jit.ts).
  normalJit()
  const thread = prepared.length > 1 ? ExtractThread.start() : null
  const extractions = startExtractions(ctx, prepared.map((p, i) => ({ archive: fetched[i]!, planned: p.planned })), thread)
  const settled = await Promise.allSettled(extractions)
  thread?.close()
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) {
    for (const s of settled) if (s.status === 'fulfilled') await rm(s.value.stage, { recursive: true, force: true })
    throw await withSpaceNeeded(failed.reason, ctx, needs, fetched.map((f) => f.path))
  }
  const staged = settled.map((s) => (s as PromiseFulfilledResult<ExtractedArchive>).value)
  const installs = prepared.map((p, i) => {
    const pkg = p.step.pkg
    const got = fetched[i]!
    return {
      archivePath: got.path,
      staged: staged[i],
      record: {
        handle: pkg.handle,
        repo: pkg.repo,
        name: pkg.name,
        version: pkg.version,
        revision: pkg.revision,
        platform: opts.platform,
        reason: opts.keepReasons && p.step.from ? p.step.from.reason : p.step.from?.reason === 'direct' ? 'direct' : opts.asDependencies ? 'dependency' : p.step.reason,
        subs: p.step.subs,
        bins: p.bins,
        backup: p.backup,
        dependencies: pkg.dependencies,
        provides: pkg.provides,
        conflicts: pkg.conflicts,
        replaces: pkg.replaces,
        installMethod: pkg.handle === LOCAL_HANDLE ? 'archive' : p.planned.source ? 'source' : 'pre-compiled',
        archiveSha512: got.hash?.algorithm === 'sha512' ? got.hash.hex : null,
      } satisfies InstallRecord,
    }
  })
  try {
    const { installed } = await applyChangeset({ layout: ctx.layout, installs, report: ctx.report })
    return installed.map((r) => ({ name: r.name, version: r.version }))
  } catch (e) {
    throw await withSpaceNeeded(e, ctx, needs, fetched.map((f) => f.path))
  }
}

/**
 * A full disk as NO_SPACE naming the folder and the space the install needs: the index's
 * installed sizes when it knows them, else what the archives hold. Other errors unchanged.
 */
async function withSpaceNeeded(e: unknown, ctx: Context, needs: readonly SpaceNeed[], archives: readonly string[]): Promise<unknown> {
  const raw = isZoiError(e, 'NO_SPACE') ? e.cause : e
  if (noSpaceError(raw, ctx.layout.tmpDir) === raw) return e
  let needed = needs.reduce((sum, n) => sum + (n.bytes ?? 0), 0)
  if (needed === 0) {
    const listed = await Promise.all(archives.map((a) => listArchive(a).catch(() => [])))
    needed = listed.flat().reduce((sum, entry) => sum + entry.size, 0)
  }
  return noSpaceError(raw, ctx.layout.tmpDir, needed)
}

/**
 * Starts extracting every archive, two at a time: this thread and `thread` (when there is one)
 * each take the next archive not yet started, largest first, so that neither ends with a large
 * one while the other is idle. One promise per archive, in the given order.
 */
function startExtractions(ctx: Context, archives: readonly { archive: FetchedArchive; planned: PlannedInstall }[], thread: ExtractThread | null): Promise<ExtractedArchive>[] {
  const extract = ({ archive, planned }: (typeof archives)[number], on: ExtractThread | undefined): Promise<ExtractedArchive> => {
    const item = `${planned.name} ${planned.version}`
    const onProgress = (loaded: number) => ctx.report({ kind: 'advance', phase: 'extract', loaded, total: planned.installSize, item, unit: 'bytes' })
    const pending = archive.pending
    return extractForInstall(ctx.layout, archive.path, { onProgress, expect: pending?.hash, thread: on }).catch(async (e: unknown) => {
      if (!pending) throw e
      // The checksum is known only once the whole archive was read; an archive that failed
      // earlier (corrupt, hostile) is hashed now, so a bad copy gets the error (and removal
      // from the cache) that a separate verification would have given it.
      const given = isZoiError(e) ? e.data?.actual : undefined
      const actual = typeof given === 'string' ? given : await hashFile(archive.path, pending.hash.algorithm).catch(() => pending.hash.hex)
      if (actual !== pending.hash.hex) return pending.mismatch(actual)
      throw e
    })
  }
  const jobs = archives.map(() => Promise.withResolvers<ExtractedArchive>())
  const largestFirst = archives.map((_, i) => i).sort((a, b) => archives[b]!.archive.bytes - archives[a]!.archive.bytes)
  let next = 0
  const runner = async (on: ExtractThread | undefined) => {
    for (let i = largestFirst[next++]; i !== undefined; i = largestFirst[next++]) await extract(archives[i]!, on).then(jobs[i]!.resolve, jobs[i]!.reject)
  }
  void runner(undefined)
  void runner(thread ?? undefined)
  return jobs.map((j) => j.promise)
}

