/**
 * The install plan a bundle is made for, per target platform, from a clean slate: each registry
 * is evaluated at its exact commit for that platform (a definition may depend on SYSTEM.OS), the
 * requests are resolved with nothing installed, and every step gets its archive file name and
 * download candidates. `bundle create` uses it to decide what to carry, `bundle verify` to prove
 * that the carried registry still yields a plan whose archives are all on board.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { FetchItem } from '../cache/index.ts'
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { platformString, type Platform } from '../platform/arch.ts'
import { silent } from '../progress.ts'
import { archiveCandidates, archiveNameFor, IndexDb, indexRegistry, openRegistries, parseRepoYaml, type PkgLink } from '../registry/index.ts'
import { explainProblems, parseDependency, parseInstallArgument, resolvePlan, type DependencySpec, type PlanRequestItem, type PlanStep } from '../resolve/index.ts'

/** A registry as a git object store at one commit. */
export interface RegistryAtCommit {
  handle: string
  url: string
  isDefault: boolean
  commit: string
  /** Reads blobs of that commit (listing and content). */
  blobs(): Promise<Map<string, string>>
  readBlob(oid: string): Promise<Uint8Array>
}

export interface PlatformStep {
  step: PlanStep
  item: FetchItem
  /** The registry names download links for pre-built archives. */
  prebuilt: boolean
  /** Required `zoi:` build dependencies (plain and per build type), for a build closure. */
  buildDependencies: DependencySpec[]
}

export interface PlatformPlan {
  platform: string
  steps: PlatformStep[]
  external: string[]
}

/**
 * Resolves `requests` for `platform` against `registries` evaluated into `workDir` (one SQLite
 * index per registry, reused when already made for the same commit). UNSATISFIABLE when the
 * requests cannot be met on that platform.
 */
export async function planForPlatform(
  ctx: Context,
  registries: readonly RegistryAtCommit[],
  requests: readonly (string | DependencySpec)[],
  platform: Platform,
  workDir: string,
): Promise<PlatformPlan> {
  const p = platformString(platform)
  const dbDir = join(workDir, p)
  await mkdir(dbDir, { recursive: true })
  const links = new Map<string, PkgLink[]>()
  for (const r of registries) {
    const blobs = await r.blobs()
    const db = IndexDb.open(join(dbDir, `${r.handle}.db`))
    try {
      if (db.getMeta('head') !== r.commit || db.getMeta('platform') !== p) {
        const result = await indexRegistry({ db, source: { blobs, readBlob: (oid) => r.readBlob(oid) }, target: platform, meta: { head: r.commit, platform: p }, report: silent })
        for (const e of result.errors) ctx.report({ kind: 'warn', text: `${r.handle} (${p}): ${e.error}` })
      }
    } finally {
      db.close()
    }
    const repoYaml = blobs.get('repo.yaml')
    links.set(r.handle, repoYaml ? parseRepoYaml(new TextDecoder().decode(await r.readBlob(repoYaml)), `${r.handle}/repo.yaml`).pkg : [])
  }
  const def = registries.find((r) => r.isDefault) ?? registries[0]
  if (!def) throw new ZoiError('NOT_FOUND', 'no synced registry to make a bundle from', { hint: "run 'zoi sync' first" })
  const catalog = openRegistries({
    defaultRegistry: { handle: def.handle, url: def.url },
    added: registries.filter((r) => r !== def).map((r) => ({ handle: r.handle, url: r.url })),
    dbDirs: [dbDir],
  })
  try {
    const resolution = resolvePlan(requests.map((r) => (typeof r === 'string' ? toRequest(r) : r)), catalog, [], { platform: p, defaultHandle: def.handle })
    if (!resolution.ok) {
      throw new ZoiError('UNSATISFIABLE', `for ${p}: ${explainProblems(resolution.problems).join('\n')}`, { hint: "see 'zoi show <package>'; drop that --platform if the package does not support it" })
    }
    const steps = resolution.plan.steps.map((step): PlatformStep => {
      const pkg = step.pkg
      const ref = { name: pkg.name, version: pkg.version, repo: pkg.repo, os: platform.os, arch: platform.arch }
      const pkgLinks = links.get(pkg.handle) ?? []
      const row = catalog.packages(pkg.name, { handle: pkg.handle, repo: pkg.repo }).find((x) => x.pkg.repo === pkg.repo)?.pkg
      return {
        step,
        buildDependencies: (row?.dependencies ?? []).filter((d) => d.kind === 'build' && /(^|:)required$/.test(d.group)).flatMap((d) => zoiDependency(d.raw)),
        prebuilt: pkgLinks.length > 0,
        item: { fileName: archiveNameFor(pkgLinks, ref), candidates: archiveCandidates(pkgLinks, ctx.config.cache_mirrors, ref), hashRequired: pkgLinks.some((l) => l.hash !== undefined) },
      }
    })
    return { platform: p, steps, external: resolution.plan.external.map((e) => e.dependency.raw) }
  } finally {
    catalog.close()
  }
}

function zoiDependency(raw: string): DependencySpec[] {
  try {
    const dep = parseDependency(raw)
    return dep.manager === 'zoi' ? [dep] : []
  } catch {
    return []
  }
}

function toRequest(source: string): PlanRequestItem {
  const spec = parseInstallArgument(source)
  if ('kind' in spec && spec.kind !== 'name') {
    throw new ZoiError('USAGE', `cannot bundle '${source}': give package names (archive and definition files are installed directly)`)
  }
  return spec
}
