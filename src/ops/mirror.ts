/**
 * `zoi mirror <dir>`: create or update a self-contained mirror folder (seed 001): the registry
 * as `registry.git` (bare, full history, optionally one base-url commit on top), archives with
 * sidecars under `pkgs/` (from pkg-dirs, the cache, upstream downloads, or `package build` with
 * --build), and a manifest. Archives go in before the branch moves, so a client that syncs the
 * new registry finds every archive it names already in place.
 */
import { mkdir, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { fetchArchives, isOciUrl, locateArchive } from '../cache/index.ts'
import type { ArchiveFormat } from '../build/index.ts'
import type { Context } from '../context.ts'
import { ZoiError, isZoiError } from '../errors.ts'
import { damagedRepository } from '../registry/git-errors.ts'
import {
  archiveComplete, archiveItems, archiveRelPath, keepArchive, sweepTemporaries, bareReader, commitBaseUrl, fetchUpstream, indexCommit, placeArchive, publishBranch, readRepoYamlAt, readServedHead,
  pushArchives, REGISTRY_GIT, selectPackages, STATE_DIR, updateServerInfo, writeManifest, type ArchiveItem, type PushResult,
} from '../mirror/index.ts'
import { hostPlatform, parsePlatform, platformString, type Platform } from '../platform/arch.ts'
import { makeStagingDir } from '../platform/fs.ts'
import { withLock } from '../platform/lock.ts'
import { isRemoteUrl, redactUrl } from '../platform/net.ts'
import { archiveCandidates, archiveNameFor, type PkgLink, type RepoYaml } from '../registry/index.ts'
import { parseDependency } from '../resolve/index.ts'
import { exportSources, readIndex } from '../sources/index.ts'
import { buildArchives, formatOfName } from './package-build.ts'

export interface MirrorOptions {
  dir: string
  /** Handle of a configured registry, or a URL/path; default: the default registry. */
  registry?: string
  platforms: string[]
  packages: string[]
  all: boolean
  baseUrl?: string
  build: boolean
  /** Also write the source cache's sources of the mirrored packages as a hashed source mirror. */
  withSources?: boolean
}

export interface MirrorResult {
  dir: string
  registry: { handle: string; url: string; branch: string; upstream: string; head: string; changed: boolean; baseUrl?: string }
  archives: { copied: string[]; unchanged: string[]; built: string[]; missing: { file: string; code: string; reason: string }[] }
  manifest: { files: number; hashed: number }
  /** With --with-sources: what was written under sources/, and mirrored packages with nothing cached. */
  sources?: { files: string[]; git: string[]; uncached: string[] }
}

/** `zoi mirror push <dir> oci://host/namespace`: the folder's archives as OCI artifacts. */
export async function pushMirror(ctx: Context, dir: string, target: string): Promise<PushResult> {
  if (!isOciUrl(target)) throw new ZoiError('USAGE', `push target '${redactUrl(target)}' is not an oci:// location`, { hint: 'e.g. zoi mirror push ./mirror oci://registry.lan:5000/zoi' })
  return pushArchives({ dir: resolve(dir), target, net: ctx.net, report: ctx.report })
}

export async function mirrorRegistry(ctx: Context, opts: MirrorOptions): Promise<MirrorResult> {
  if (opts.baseUrl !== undefined && !isRemoteUrl(opts.baseUrl)) {
    throw new ZoiError('USAGE', `--base-url '${opts.baseUrl}' is not an http(s) URL`, { hint: 'give the URL clients will use for this folder, e.g. http://mirror.lan:8080' })
  }
  if (opts.all && opts.packages.length > 0) throw new ZoiError('USAGE', '--all and --packages cannot be combined')
  const platforms = opts.platforms.length > 0 ? opts.platforms.map(parsePlatform) : [hostPlatform()]
  const dir = resolve(opts.dir)
  const existing = await stat(dir).catch(() => undefined)
  if (existing && !existing.isDirectory()) {
    throw new ZoiError('USAGE', `mirror folder '${opts.dir}' is a file, not a directory`, { hint: 'name a new or existing directory for the mirror' })
  }
  await mkdir(dir, { recursive: true })
  return withLock(join(dir, STATE_DIR, 'lock'), async () => {
    // Under the lock nothing else writes here: what an earlier run left half-done is garbage.
    await sweepTemporaries(dir)
    await rm(join(dir, STATE_DIR, 'tmp'), { recursive: true, force: true })
    const url = registryUrl(ctx, opts.registry)
    // The user named this registry, so its host may be anything they can reach (even link-local).
    ctx.net.trust(url)
    const gitdir = join(dir, REGISTRY_GIT)
    ctx.report({ kind: 'phase', phase: 'mirror', text: `Mirroring registry ${redactUrl(url)}` })
    try {
      return await mirrorInto(ctx, opts, { dir, url, gitdir, platforms })
    } catch (e) {
      throw damagedRepository(e, gitdir, `remove ${gitdir} and run 'zoi mirror' again: it is fetched anew from the registry`)
    }
  })
}

/** The mirror run itself, under the folder's lock. */
async function mirrorInto(ctx: Context, opts: MirrorOptions, where: { dir: string; url: string; gitdir: string; platforms: Platform[] }): Promise<MirrorResult> {
  const { dir, url, gitdir, platforms } = where
  const before = await readServedHead(gitdir)
  const upstream = await fetchUpstream({ url, gitdir, net: ctx.net })
  const repo = await readRepoYamlAt(gitdir, upstream.head)

  const archives: MirrorResult['archives'] = { copied: [], unchanged: [], built: [], missing: [] }
  const mirrored = new Set<string>()
  if (opts.all || opts.packages.length > 0) {
    for (const platform of platforms) {
      const rows = await indexCommit(dir, gitdir, upstream.head, platform, ctx.report)
      const chosen = selectPackages(rows, { all: opts.all, names: opts.packages, dependencies: (row) => zoiDependencies(row.dependencies, repo.handle) })
      const items = archiveItems(chosen, platform)
      for (const row of chosen) mirrored.add(row.name)
      ctx.report({ kind: 'phase', phase: 'mirror', text: `Archives for ${platformString(platform)}: ${items.length}`, total: items.length })
      for (const item of items) await mirrorArchive(ctx, { dir, gitdir, commit: upstream.head, repo, item, build: opts.build }, archives)
    }
  }

  const sources = opts.withSources ? mirrorSources(ctx, dir, mirrored) : undefined
  const head = opts.baseUrl ? await commitBaseUrl(gitdir, upstream.head, opts.baseUrl) : upstream.head
  await publishBranch(gitdir, upstream.branch, head)
  await updateServerInfo(gitdir)
  const registry = { handle: repo.handle, url: redactUrl(url), branch: upstream.branch, upstream: upstream.head, head, changed: head !== before, ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}) }
  const { manifest, hashed } = await writeManifest(dir, { handle: registry.handle, upstream: registry.upstream, head, branch: registry.branch, ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}) })
  return { dir, registry, archives, manifest: { files: manifest.files.length, hashed }, ...(sources ? { sources } : {}) }
}

/** The cached sources of the mirrored packages, as `<dir>/sources/…` (what `source fetch` stored for them). */
function mirrorSources(ctx: Context, dir: string, names: Set<string>): NonNullable<MirrorResult['sources']> {
  const written = exportSources(ctx.layout.sourceCacheDir, dir, (packages) => packages.some((p) => names.has(p)))
  const index = readIndex(ctx.layout.sourceCacheDir)
  const used = new Set([...Object.values(index.urls), ...Object.values(index.git)].flatMap((e) => e.packages))
  const uncached = [...names].filter((n) => !used.has(n)).sort()
  for (const name of uncached) ctx.report({ kind: 'warn', text: `no cached sources for ${name}: run 'zoi source fetch ${name}' first if it builds from source` })
  return { ...written, uncached }
}

interface ArchiveJob {
  dir: string
  gitdir: string
  commit: string
  repo: RepoYaml
  item: ArchiveItem
  build: boolean
}

/**
 * One archive: kept when the mirror has it and no local copy differs; otherwise taken from the
 * pkg-dirs or cache, downloaded from the upstream's links, or built. A miss is recorded, not
 * fatal: registries rarely have every archive for every platform.
 */
async function mirrorArchive(ctx: Context, job: ArchiveJob, out: MirrorResult['archives']): Promise<void> {
  const item = { ...job.item, fileName: archiveNameFor(job.repo.pkg, job.item) }
  const fileName = item.fileName
  const local = await locateArchive({ fileName, pkgDirs: ctx.pkgDirs, cacheDir: ctx.layout.cacheDir })
  const mirrored = join(job.dir, archiveRelPath(item))
  if (!local && (await archiveComplete(mirrored))) {
    await keepArchive(job.dir, item)
    out.unchanged.push(archiveRelPath(item))
    return
  }
  // An archive a killed run left without its sidecars is hashed again and repaired in place.
  let source = local?.path ?? ((await isFile(mirrored)) ? mirrored : undefined)
  let cleanup: (() => Promise<void>) | undefined
  try {
    if (!source) {
      try {
        source = await download(ctx, job.repo.pkg, item)
      } catch (e) {
        if (!isZoiError(e) || !job.build) throw e
        ;({ path: source, cleanup } = await buildItem(ctx, job, formatOfName(fileName)))
        out.built.push(fileName)
      }
    }
    const placed = await placeArchive(job.dir, item, source)
    ;(placed.copied ? out.copied : out.unchanged).push(placed.path)
  } catch (e) {
    if (!isZoiError(e)) throw e
    out.missing.push({ file: fileName, code: e.code, reason: e.message.split('\n')[0]! })
    ctx.report({ kind: 'warn', text: `not mirrored: ${fileName}: ${e.message.split('\n')[0]}` })
  } finally {
    await cleanup?.()
  }
}

/** From the upstream registry's own `pkg:` links (and cache_mirrors), into the cache. */
async function download(ctx: Context, links: PkgLink[], item: ArchiveItem & { fileName: string }): Promise<string> {
  const fileName = item.fileName
  const [got] = await fetchArchives(
    [{ fileName, candidates: archiveCandidates(links, ctx.config.cache_mirrors, item), hashRequired: links.some((l) => (l.type === 'main' || l.type === 'mirror') && l.hash !== undefined) }],
    { net: ctx.net, cacheDir: ctx.layout.cacheDir, pkgDirs: ctx.pkgDirs, report: ctx.report },
  )
  return got!.path
}

/** `package build` of the definition at the mirrored commit, written out to a temp folder. */
async function buildItem(ctx: Context, job: ArchiveJob, format: ArchiveFormat): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const temp = await makeStagingDir(join(job.dir, STATE_DIR, 'tmp'), 'build-')
  const cleanup = () => rm(temp, { recursive: true, force: true })
  try {
    const folder = dirname(job.item.row.path)
    await bareReader(job.gitdir, job.commit).checkout(folder, join(temp, 'def'))
    const platform: Platform = { os: job.item.os as Platform['os'], arch: job.item.arch as Platform['arch'] }
    const [built] = await buildArchives(ctx, {
      definition: join(temp, 'def', basename(job.item.row.path)),
      outputDir: join(temp, 'out'),
      platforms: [platformString(platform)],
      versionOverride: job.item.version,
      subs: [],
      format,
    })
    return { path: built!.path, cleanup }
  } catch (e) {
    await cleanup()
    throw e
  }
}

/** The URL to mirror: a configured registry's by handle, the default registry's, or the argument itself. */
function registryUrl(ctx: Context, registry: string | undefined): string {
  const refs = [ctx.config.default_registry, ...ctx.config.added_registries]
  if (registry === undefined) return ctx.config.default_registry.url
  return refs.find((r) => r.handle !== '' && r.handle === registry.toLowerCase())?.url ?? registry
}

/** Names of the `zoi:` runtime dependencies that live in registry `handle`. */
function zoiDependencies(deps: { kind: string; group: string; raw: string }[], handle: string): string[] {
  return deps
    .filter((d) => d.kind === 'runtime' && d.group === 'required')
    .flatMap((d) => {
      try {
        const dep = parseDependency(d.raw)
        if (dep.manager !== 'zoi' || (dep.handle !== undefined && dep.handle !== handle)) return []
        return [dep.repo ? `${dep.repo}/${dep.name}` : dep.name]
      } catch {
        return []
      }
    })
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false
}
