/**
 * `zoi source fetch|add|ls|clear` (SPEC §11): filling the source cache where there is network
 * (by running each package's prepare() with the cache recording), filing sources carried by
 * hand, and looking at or emptying the cache.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Context } from '../context.ts'
import { requiredBuildDependencies } from './build-dependencies.ts'
import { ZoiError } from '../errors.ts'
import { hostPlatform, platformString } from '../platform/arch.ts'
import { isRemoteUrl } from '../platform/net.ts'
import { explainProblems, parseInstallArgument, resolvePlan, type PlanRequestItem } from '../resolve/index.ts'
import { importGitSource, isGitSource, readIndex, SourceCache } from '../sources/index.ts'
import { isDefinitionPath } from './definition-source.ts'
import { prepareStep } from './install-prepare.ts'
import { buildArchives } from './package-build.ts'
import type { RegistrySet } from '../registry/index.ts'
import { requireCatalog } from './registries.ts'

export interface SourceFetchOptions {
  /** 'build': every registry package of the resolved closure, not only the named ones. */
  closure?: 'build'
  platforms?: string[]
}

export interface FetchedPackage {
  name: string
  version?: string
  platform: string
}

export async function sourceFetch(ctx: Context, given: readonly string[], opts: SourceFetchOptions = {}): Promise<FetchedPackage[]> {
  if (given.length === 0) throw new ZoiError('USAGE', 'source fetch needs at least one package or .pkg.lua file')
  if (ctx.offline) {
    throw new ZoiError('OFFLINE', 'source fetch downloads sources: it cannot run in offline mode', { hint: 'run it on a machine with network access, then carry the source cache (or a mirror made with --with-sources) over' })
  }
  const platforms = opts.platforms?.length ? opts.platforms : [platformString(hostPlatform())]
  const files = given.filter(isDefinitionPath).map((source) => ({ name: source, definition: resolve(source.replace(/(\.lua)(:[^/]*|@[^/]*)*$/, '$1')) }))
  const names = given.filter((s) => !isDefinitionPath(s))
  const done: FetchedPackage[] = []
  for (const platform of platforms) {
    // Definitions are evaluated (and dependencies resolved) for the target, not for this machine.
    const jobs: Array<{ name: string; definition: string; version?: string }> = [...files, ...(names.length > 0 ? registryJobs(ctx, names, opts.closure === 'build', platform) : [])]
    for (const job of jobs) {
      ctx.report({ kind: 'phase', phase: 'build', text: `fetching sources of ${job.name}${job.version ? ' ' + job.version : ''} for ${platform}` })
      await buildArchives(ctx, { definition: job.definition, platforms: [platform], versionOverride: job.version, subs: [], prepareOnly: true })
      done.push({ name: job.name, version: job.version, platform })
    }
  }
  return done
}

/**
 * The definitions of the named registry packages; with the build closure, also of everything
 * they pull in at run time and (repeatedly) the `zoi:` build dependencies of all of those, as a
 * source build on the other side of the gap would need them.
 */
function registryJobs(ctx: Context, names: readonly string[], closure: boolean, platform: string): Array<{ name: string; definition: string; version?: string }> {
  const catalog = requireCatalog(ctx)
  try {
    const raw = [...names]
    for (;;) {
      const plan = resolveClean(catalog, raw, platform)
      const steps = plan.steps.filter((s) => closure || s.reason === 'direct')
      const extra = closure ? steps.flatMap((s) => requiredBuildDependencies(catalog, s.pkg)).filter((d) => !raw.includes(d)) : []
      if (extra.length === 0) {
        return steps.flatMap((step) => {
          const definition = prepareStep(ctx, catalog, [], step).definition
          return definition ? [{ name: step.pkg.name, definition, version: step.pkg.version }] : []
        })
      }
      raw.push(...new Set(extra))
    }
  } finally {
    catalog.close()
  }
}

/** A clean slate: the other side of the gap has none of this machine's packages. */
function resolveClean(catalog: RegistrySet, raw: readonly string[], platform: string) {
  const requests = raw.map((n) => parseInstallArgument(n) as PlanRequestItem)
  const resolution = resolvePlan(requests, catalog, [], { platform, defaultHandle: catalog.registries.find((r) => r.isDefault)?.handle })
  if (!resolution.ok) throw new ZoiError('UNSATISFIABLE', explainProblems(resolution.problems).join('\n'))
  return resolution.plan
}


/** `source add <file> --url <url>`: a blob, or (git bundle / repository) a git source. */
export async function sourceAdd(ctx: Context, file: string, url: string | undefined): Promise<{ url: string; kind: 'file' | 'git'; sha512?: string; refs?: Record<string, string> }> {
  if (!url) throw new ZoiError('USAGE', 'source add needs --url <url>: the URL the definition fetches this file from')
  if (!existsSync(file)) throw new ZoiError('NOT_FOUND', `'${file}' not found`)
  const cache = new SourceCache({ dir: ctx.layout.sourceCacheDir, net: ctx.net, mirrors: [] })
  if (isGitSource(file)) return { url, kind: 'git', refs: await importGitSource(cache, file, url) }
  if (!isRemoteUrl(url)) throw new ZoiError('USAGE', `--url '${url}' is not an http(s) URL`)
  const blob = await cache.add(file, url)
  return { url, kind: 'file', sha512: blob.sha512 }
}

export interface SourceRow {
  url: string
  kind: 'file' | 'git'
  size: number
  /** SHA-512 of a file; the recorded refs of a git source (`v1=<commit>`). */
  id: string
  packages: string[]
}

export function sourceList(ctx: Context): SourceRow[] {
  const dir = ctx.layout.sourceCacheDir
  const index = readIndex(dir)
  const rows: SourceRow[] = Object.entries(index.urls).map(([url, e]) => ({ url, kind: 'file', size: e.size, id: e.sha512, packages: e.packages }))
  for (const [url, e] of Object.entries(index.git)) {
    rows.push({ url, kind: 'git', size: folderSize(join(dir, e.repo)), id: Object.entries(e.refs).map(([r, c]) => `${r}=${c.slice(0, 12)}`).join(' '), packages: e.packages })
  }
  return rows.sort((a, b) => a.url.localeCompare(b.url))
}

export function sourceClear(ctx: Context): number {
  const dir = ctx.layout.sourceCacheDir
  const index = readIndex(dir)
  const count = Object.keys(index.urls).length + Object.keys(index.git).length
  rmSync(dir, { recursive: true, force: true })
  return count
}

function folderSize(path: string): number {
  if (!existsSync(path)) return 0
  const st = statSync(path)
  if (!st.isDirectory()) return st.size
  return readdirSync(path).reduce((sum, name) => sum + folderSize(join(path, name)), 0)
}
