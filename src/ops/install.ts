/**
 * `zoi install`: the one path that adds packages to a root (SPEC §7), in the order apk uses:
 * resolve the whole request → find and VERIFY every archive → check and commit the whole set
 * as one changeset (install-apply.ts), under the root lock. Nothing in the root changes before
 * every archive has passed verification and the whole set its checks.
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { updateConfigFile, withoutCredentials, type RegistryRef } from '../config/index.ts'
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { hostPlatform, platformString } from '../platform/arch.ts'
import { withLock } from '../platform/lock.ts'
import type { RegistrySet } from '../registry/index.ts'
import {
  explainProblems,
  parseInstallArgument,
  resolvePlan,
  type InstalledPackage,
  type NameSource,
  type PlanRequestItem,
  type Problem,
} from '../resolve/index.ts'
import { recoverInterrupted, type InstalledRow } from '../store/index.ts'
import { missingZoiDependencies, requiredBuildDependencies } from './build-dependencies.ts'
import { buildDefinitionSources } from './definition-source.ts'
import { applyPlan } from './install-apply.ts'
import { prepareStep } from './install-prepare.ts'
import { installChanges, recordTransaction } from './history.ts'
import { completePlanSizes } from './plan-sizes.ts'
import { isArchivePath, LOCAL_HANDLE, overlayCatalog, readLocalArchive, type LocalArchive } from './local-archive.ts'
import { installedRows } from './installed.ts'
import { openCatalog, requireCatalog } from './registries.ts'
import { buildFromSource, stepsToBuild } from './source-build.ts'
import { indexNames, unknownPackage } from './suggest.ts'

export interface InstallOptions {
  force?: boolean
  dryRun?: boolean
  /** Updates keep each package's recorded reason (a dependency stays a dependency). */
  keepReasons?: boolean
  /** `--build`: build registry packages from source even when an archive exists. */
  build?: boolean
  /** `--type`: the build type for source builds. */
  buildType?: string
  /** How `zoi history` names this change; default `install <sources>`. */
  command?: string
  /** Record what this installs as dependencies (the build dependencies of a source build). */
  asDependencies?: boolean
}

/** How deep build dependencies may need building themselves before zoi gives up (a cycle). */
const MAX_BUILD_DEPTH = 8

export interface PlannedInstall {
  action: string
  name: string
  version: string
  registry: string
  repo: string
  reason: 'direct' | 'dependency'
  archive: string
  downSize?: number
  installSize?: number
  /** Built from the definition instead of a pre-built archive. */
  source?: boolean
  /** The installed version this step replaces, and what it takes on disk today. */
  oldVersion?: string
  oldInstallSize?: number
}

export interface InstallResult {
  dryRun: boolean
  planned: PlannedInstall[]
  installed: { name: string; version: string }[]
  external: string[]
  /** Nothing to do: every request is already installed. */
  upToDate: boolean
  /** Build dependencies the source builds of the plan install first (not yet in `planned`). */
  buildDependencies?: string[]
}


export async function installPackages(ctx: Context, given: readonly string[], opts: InstallOptions = {}): Promise<InstallResult> {
  if (given.length === 0) throw new ZoiError('USAGE', 'install needs at least one package')
  const defs = await buildDefinitionSources(ctx, given, opts.buildType)
  try {
    return await installSources(ctx, defs.sources, { ...opts, command: opts.command ?? `install ${given.join(' ')}` })
  } finally {
    await defs.cleanup()
  }
}

async function installSources(ctx: Context, sources: readonly string[], opts: InstallOptions): Promise<InstallResult> {
  const run = () => installUnlocked(ctx, sources, opts, 0, new Set())
  return opts.dryRun ? run() : withLock(ctx.layout.lockFile, run)
}

/**
 * installSources with the root lock held (or a dry run); `depth` counts nested build
 * dependencies, `tried` holds those already installed first (never asked for twice).
 */
async function installUnlocked(ctx: Context, sources: readonly string[], opts: InstallOptions, depth: number, tried: ReadonlySet<string>): Promise<InstallResult> {
  const locals = await Promise.all(sources.filter(isArchivePath).map(readLocalArchive))
  const requests = sources.map((s) => (isArchivePath(s) ? localRequest(locals.find((l) => l.path === resolve(s))!) : toRequest(s)))
  if (!opts.dryRun) await recoverInterrupted(ctx.layout)
  // Archive files alone need no synced registry; their dependencies do.
  const catalog = locals.length === sources.length ? openCatalog(ctx) : requireCatalog(ctx)
  try {
    const held = installedRows(ctx.layout)
    const platform = platformString(hostPlatform())
    const resolution = resolvePlan(requests, overlayCatalog(catalog, locals), held.map(toResolverInstalled), {
      force: opts.force,
      platform,
      defaultHandle: catalog.registries.find((r) => r.isDefault)?.handle,
    })
    if (!resolution.ok) throw unresolvable(resolution.problems, catalog)
    const plan = resolution.plan
    const external = plan.external.map((e) => e.dependency.raw)
    for (const e of external) ctx.report({ kind: 'warn', text: `not installed by zoi (another package manager's dependency): ${e}` })
    const prepared = plan.steps.map((s) => prepareStep(ctx, catalog, locals, s))
    const planned = prepared.map((p) => p.planned)
    const sourceOpts = { always: Boolean(opts.build), buildType: opts.buildType }
    const toBuild = await stepsToBuild(ctx, prepared, sourceOpts)
    for (const p of toBuild) p.planned.source = true
    await completePlanSizes(ctx, planned, held, [...locals.map((l) => l.dir), ...ctx.pkgDirs])
    // What the builds need is installed first, then the request is resolved again on top of it.
    const needed = missingZoiDependencies(
      toBuild.flatMap((p) => requiredBuildDependencies(catalog, p.step.pkg, opts.buildType)),
      new Map(held.map((r) => [r.name, r.version])),
      tried,
    )
    if (opts.dryRun || prepared.length === 0) {
      return { dryRun: Boolean(opts.dryRun), planned, installed: [], external, upToDate: prepared.length === 0, ...(needed.length > 0 ? { buildDependencies: needed } : {}) }
    }
    if (needed.length > 0) {
      if (depth >= MAX_BUILD_DEPTH) {
        throw new ZoiError('UNSATISFIABLE', `build dependencies nest more than ${MAX_BUILD_DEPTH} deep (${needed.join(', ')}): a cycle?`, { hint: 'install one of them from a pre-built archive first' })
      }
      ctx.report({ kind: 'phase', phase: 'build', text: `installing build dependencies first: ${needed.join(', ')}` })
      await installUnlocked(ctx, needed, { command: opts.command, asDependencies: true }, depth + 1, new Set())
      return await installUnlocked(ctx, sources, opts, depth, new Set([...tried, ...needed]))
    }
    const built = await buildFromSource(ctx, toBuild, sourceOpts)
    try {
      const pkgDirs = [...new Set([...(built ? [built.dir] : []), ...locals.map((l) => l.dir), ...ctx.pkgDirs])]
      const installed = await applyPlan(ctx, prepared, { pkgDirs, platform, keepReasons: Boolean(opts.keepReasons), asDependencies: Boolean(opts.asDependencies) })
      recordTransaction(ctx, ctx.layout, opts.command!, installChanges(planned))
      await carryRegistriesIntoRoot(ctx, catalog)
      return { dryRun: false, planned, installed, external, upToDate: false }
    } finally {
      await built?.cleanup()
    }
  } finally {
    catalog.close()
  }
}

/**
 * `zoi update <pkg…>` / `--all`: each installed package is requested at `>=` its installed
 * version, so the newest release the index knows wins and nothing is downgraded. Pinned
 * packages are left alone (with a warning when named).
 */
export async function updatePackages(ctx: Context, names: readonly string[], opts: { all?: boolean; dryRun?: boolean } = {}): Promise<InstallResult> {
  if (opts.all && names.length) throw new ZoiError('USAGE', 'give package names or --all, not both')
  if (!opts.all && !names.length) throw new ZoiError('USAGE', 'update needs package names or --all')
  const rows = installedRows(ctx.layout)
  const chosen = opts.all ? rows : names.map((n) => rows.find((r) => r.name === n) ?? notInstalled(n))
  const sources: string[] = []
  for (const r of chosen) {
    if (r.pinned) {
      if (!opts.all) ctx.report({ kind: 'warn', text: `${r.name} is pinned at ${r.pinned}; not updating it (zoi unpin ${r.name})` })
      continue
    }
    sources.push(`#${r.handle}@${r.repo ? r.repo + '/' : ''}${r.name}@>=${r.version}`)
  }
  if (!sources.length) return { dryRun: Boolean(opts.dryRun), planned: [], installed: [], external: [], upToDate: true }
  return installPackages(ctx, sources, { dryRun: opts.dryRun, keepReasons: true, command: `update ${opts.all ? '--all' : names.join(' ')}` })
}

/** A requested name the index does not know is "not found" (exit 3) with suggestions; the rest is exit 4. */
function unresolvable(problems: readonly Problem[], catalog: RegistrySet): ZoiError {
  const missing = problems.flatMap((p) => (p.kind === 'not-found' && p.requirement.by === null ? [p.name] : []))
  if (missing.length > 0 && missing.length === problems.length) {
    const first = unknownPackage(missing[0]!, 'not found in the synced registries', indexNames(catalog), `try 'zoi search ${missing[0]}'`)
    if (missing.length === 1) return first
    return new ZoiError('NOT_FOUND', `packages ${missing.map((n) => `'${n}'`).join(', ')} not found in the synced registries`, { hint: first.hint, data: { packages: missing } })
  }
  return new ZoiError('UNSATISFIABLE', explainProblems(problems).join('\n'), { hint: "see 'zoi show <package>' for the versions the index knows" })
}

function notInstalled(name: string): never {
  throw new ZoiError('NOT_FOUND', `package '${name}' is not installed`, { hint: `install it with 'zoi install ${name}'` })
}

function toRequest(source: string): PlanRequestItem {
  const spec = parseInstallArgument(source)
  if (!('kind' in spec)) return spec
  if (spec.kind !== 'name') throw new ZoiError('USAGE', `cannot install '${source}': expected a package name, a .pkg.lua or a .pkg.tar.zst file`)
  return spec
}

function localRequest(l: LocalArchive): NameSource {
  return { kind: 'name', raw: l.path, handle: LOCAL_HANDLE, repo: l.pkg.repo || undefined, name: l.pkg.name, versionSpec: l.pkg.version }
}

export function toResolverInstalled(r: InstalledRow): InstalledPackage {
  return {
    handle: r.handle,
    repo: r.repo,
    name: r.name,
    version: r.version,
    revision: r.revision,
    subPackages: r.subs,
    pinned: r.pinned ?? undefined,
    reason: r.reason,
    dependencies: r.dependencies,
    provides: r.provides,
    conflicts: r.conflicts,
  }
}

/**
 * SPEC §6: when the target root had no registry database, the host's was used to resolve;
 * copy it into the root so the new system can manage itself offline later.
 */
const bare = (r: RegistryRef): RegistryRef => ({ handle: r.handle, url: withoutCredentials(r.url) })

async function carryRegistriesIntoRoot(ctx: Context, catalog: RegistrySet): Promise<void> {
  if (ctx.layout.root === null) return
  for (const r of catalog.registries) {
    if (r.dbDir === ctx.layout.dbDir) continue
    const target = join(ctx.layout.dbDir, r.handle)
    if (existsSync(join(ctx.layout.dbDir, `${r.handle}.db`))) continue
    ctx.report({ kind: 'info', text: `copying registry '${r.handle}' into ${ctx.layout.root}` })
    mkdirSync(ctx.layout.dbDir, { recursive: true })
    // Synchronous: Bun's cp runs a promise per file; cpSync copied a 100-file clone in 7-8 ms, cp in 16-25 ms.
    cpSync(join(r.dbDir, r.handle), target, { recursive: true, verbatimSymlinks: true })
    // The WAL may hold committed pages not yet in the main file: it travels with it.
    for (const suffix of ['-wal', '']) {
      const from = join(r.dbDir, `${r.handle}.db${suffix}`)
      if (existsSync(from)) cpSync(from, join(ctx.layout.dbDir, `${r.handle}.db${suffix}`))
    }
  }
  // The root's own config names the registries, so zoi run inside it (chroot) finds them.
  await updateConfigFile(ctx.layout.configWriteFile, (cur) => ({
    // Without credentials: a root's config is not the user's private file.
    ...(cur.default_registry ? {} : { default_registry: bare(ctx.config.default_registry) }),
    ...(cur.added_registries ? {} : { added_registries: ctx.config.added_registries.map(bare) }),
  }))
}
