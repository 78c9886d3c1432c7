/**
 * Turns a registry checkout into index rows, incrementally: a definition is re-evaluated only
 * when its blob (or a `.lua` file next to it that it may INCLUDE) changed since the last sync,
 * so a no-change sync costs one tree walk. A broken definition becomes a per-file error row;
 * the rest of the registry still indexes.
 */
import { availableParallelism } from 'node:os'
import { posix } from 'node:path'
import { ZoiError, describeError, isZoiError } from '../errors.ts'
import { runJob, startEvaluation, type DefinitionJob, type DependencyGroup, type Evaluator, type JobOutcome, type PackageSpec, type TargetPlatform } from '../lua/index.ts'
import type { Report } from '../progress.ts'
import type { DefinitionChange, IndexDb, IndexedPackage } from './index-db.ts'
import { crypto } from '../platform/node-lazy.ts'

export interface IndexSource {
  /**
   * path → blob oid of every `.lua` file and repo.yaml at the synced commit, or, with
   * `folders`, of every `.lua` file in those folders only.
   */
  blobs: Map<string, string>
  readBlob(oid: string): Promise<Uint8Array>
  /**
   * The folders that may differ from what the index holds (from a diff of the indexed commit
   * and the synced one): definitions elsewhere are known unchanged and are not even listed.
   */
  folders?: Set<string>
}

export interface IndexOptions {
  db: IndexDb
  source: IndexSource
  target: TargetPlatform
  /** Stored in the index meta table (e.g. the commit that was indexed). */
  meta?: Record<string, string>
  report?: Report
  evaluator?: Evaluator
}

export interface IndexResult {
  packages: number
  evaluated: number
  removed: number
  errors: { path: string; error: string }[]
}

const decoder = new TextDecoder()

export async function indexRegistry(opts: IndexOptions): Promise<IndexResult> {
  const { db, source, target } = opts
  const definitions = [...source.blobs.keys()].filter((p) => p.endsWith('.pkg.lua')).sort()
  const luaByDir = groupLuaByDir(source.blobs)
  const keys = definitionKeys(definitions, source.blobs, luaByDir, target)
  const stored = source.folders ? db.definitionBlobsIn(source.folders) : db.definitionBlobs()
  const changed = definitions.filter((p) => stored.get(p) !== keys.get(p))
  const removed = [...stored.keys()].filter((p) => !keys.has(p))

  // Blobs are read here, rows are built here; evaluation may run on several threads, whose
  // workers start now and evaluate what is read while the rest is still being read.
  const jobs: DefinitionJob[] = []
  const pool = opts.evaluator ? undefined : startEvaluation(changed.length, availableParallelism())
  const unread = new Map<string, string>()
  for (const path of changed) {
    try {
      const job = { file: path, source: decoder.decode(await source.readBlob(source.blobs.get(path)!)), target, folder: await folderSources(path, source, luaByDir) }
      jobs.push(job)
      pool?.add(job)
    } catch (e) {
      unread.set(path, isZoiError(e) ? e.message : `${path}: ${describeError(e)}`)
    }
  }
  const advance = (done: number) =>
    opts.report?.({ kind: 'advance', phase: 'index', loaded: done, total: jobs.length, item: jobs[Math.min(done, jobs.length) - 1]?.file, unit: 'packages' })
  const outcomes = pool ? await pool.finish(advance) : await inOrder(opts.evaluator!, jobs, advance)
  const changes: DefinitionChange[] = [...unread].map(([path, error]) => ({ path, blob: keys.get(path)!, error }))
  for (const [i, job] of jobs.entries()) changes.push(toChange(job.file, keys.get(job.file)!, outcomes[i]!))
  db.applyChanges(changes, removed, opts.meta)
  return { packages: db.packageCount(), evaluated: changed.length, removed: removed.length, errors: db.definitionErrors() }
}

/**
 * Every `.lua` file of the registry by folder, built once per sync: looking them up per
 * definition by scanning all blobs made indexing quadratic in the registry size.
 */
function groupLuaByDir(blobs: Map<string, string>): Map<string, [path: string, oid: string][]> {
  const out = new Map<string, [string, string][]>()
  for (const [p, oid] of blobs) {
    if (!p.endsWith('.lua')) continue
    const dir = posix.dirname(p)
    const list = out.get(dir)
    if (list) list.push([p, oid])
    else out.set(dir, [[p, oid]])
  }
  return out
}

/**
 * The key of a definition: its blob, the blobs of the `.lua` files in its folder (INCLUDE
 * reads only there) and the target platform (SYSTEM.* changes what a definition says).
 */
function definitionKeys(definitions: string[], blobs: Map<string, string>, luaByDir: Map<string, [string, string][]>, target: TargetPlatform): Map<string, string> {
  const out = new Map<string, string>()
  for (const p of definitions) {
    const extra = (luaByDir.get(posix.dirname(p)) ?? [])
      .filter(([q]) => !q.endsWith('.pkg.lua'))
      .map(([q, oid]) => `${q}=${oid}`)
      .sort()
    const own = blobs.get(p)!
    out.set(p, extra.length === 0 ? `${own}@${target.os}-${target.arch}` : crypto().createHash('sha1').update([own, ...extra, target.os, target.arch].join('\n')).digest('hex'))
  }
  return out
}

/** An evaluated definition as index rows, or its error row. */
function toChange(path: string, key: string, outcome: JobOutcome): DefinitionChange {
  if ('error' in outcome) return { path, blob: key, error: outcome.error }
  try {
    checkNameMatchesPath(outcome.spec.name, path)
    return { path, blob: key, pkg: toIndexed(outcome.spec, path) }
  } catch (e) {
    return { path, blob: key, error: isZoiError(e) ? e.message : `${path}: ${describeError(e)}` }
  }
}

/** The jobs one by one on a given evaluator (a caller that brings its own). */
async function inOrder(evaluator: Evaluator, jobs: DefinitionJob[], advance: (done: number) => void): Promise<JobOutcome[]> {
  const out: JobOutcome[] = []
  for (const job of jobs) {
    out.push(await runJob(evaluator, job))
    advance(out.length)
  }
  return out
}

/** The `.lua` files next to a definition, which INCLUDE may read (read before evaluating: INCLUDE is synchronous). */
async function folderSources(path: string, source: IndexSource, luaByDir: Map<string, [string, string][]>): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const [p, oid] of luaByDir.get(posix.dirname(path)) ?? []) {
    if (p !== path) out[p] = decoder.decode(await source.readBlob(oid))
  }
  return out
}

/**
 * A definition lives at `<repo>/<name>/<name>.pkg.lua`. A file that declares another name would
 * shadow that package (install would record one definition and build from another), so the
 * declared name must agree with its folder and file name, or the file is an error row.
 */
export function checkNameMatchesPath(name: string, path: string): void {
  const folder = posix.basename(posix.dirname(path))
  const file = posix.basename(path, '.pkg.lua')
  if (name !== folder || name !== file) {
    throw new ZoiError('BAD_DEFINITION', `${path}: declares name '${name}' but a definition of '${name}' must be ${posix.join(repoOfPath(path), name, `${name}.pkg.lua`)}`)
  }
}

/** `core/editors/vim/vim.pkg.lua` → repo `core/editors` (the folder above the package's own). */
export function repoOfPath(path: string): string {
  const dir = posix.dirname(posix.dirname(path))
  return dir === '.' ? '' : dir
}

function toIndexed(spec: PackageSpec, path: string): IndexedPackage {
  return {
    name: spec.name,
    repo: repoOfPath(path) || spec.repo || '',
    version: spec.version,
    revision: spec.revision,
    description: spec.description ?? '',
    license: spec.license,
    website: spec.website,
    bins: spec.bins,
    tags: spec.tags,
    types: spec.types,
    platforms: spec.platforms,
    subPackages: spec.subPackages,
    mainSubs: spec.mainSubs,
    provides: spec.provides,
    conflicts: spec.conflicts,
    replaces: spec.replaces,
    backup: spec.backup,
    channels: spec.versions,
    dependencies: [...flattenGroup('runtime', spec.dependencies.runtime), ...flattenGroup('build', spec.dependencies.build)],
    spec,
  }
}

/** Groups as rows: `required`, `optional`, `option:<name>`, `type:<t>:required`, `sub:<s>:required`, … */
function flattenGroup(kind: 'runtime' | 'build', g: DependencyGroup, prefix = ''): IndexedPackage['dependencies'] {
  const rows: IndexedPackage['dependencies'] = [
    ...g.required.map((raw) => ({ kind, group: `${prefix}required`, raw })),
    ...g.optional.map((raw) => ({ kind, group: `${prefix}optional`, raw })),
    ...g.options.flatMap((o) => o.depends.map((raw) => ({ kind, group: `${prefix}option:${o.name}`, raw }))),
  ]
  for (const [t, sub] of Object.entries(g.types)) rows.push(...flattenGroup(kind, sub, `${prefix}type:${t}:`))
  for (const [s, sub] of Object.entries(g.subPackages)) rows.push(...flattenGroup(kind, sub, `${prefix}sub:${s}:`))
  return rows
}
