/** Installed-state queries and edits: list, files, owner, why, pin, unpin, uninstall. */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Context } from '../context.ts'
import { isZoiError, ZoiError } from '../errors.ts'
import { layoutFor, type Layout } from '../platform/layout.ts'
import { withLock } from '../platform/lock.ts'
import { chooseDefaultVersion } from '../registry/catalog.ts'
import { parseSource } from '../resolve/source.ts'
import { compareVersions } from '../resolve/version.ts'
// Straight to the store's modules, not its barrel: queries (list, files, owner, why) load this
// file and need no archive reader; the changeset is imported when something is removed.
import type { HistoryChange } from '../store/history.ts'
import { InstalledDb } from '../store/installed-db.ts'
import type { InstalledRow } from '../store/installed-schema.ts'
import { recoverInterrupted, settleForRead } from '../store/recover.ts'
import { listFiles, type UninstallResult } from '../store/uninstall.ts'
import { openCatalog } from './registries.ts'
import { recordTransaction } from './history.ts'
import { unknownPackage } from './suggest.ts'

/**
 * The scopes a query looks at, in order: with --root or --scope system only that one; otherwise
 * the user's, then the system's (as Zoi does), so `zoi list` inside a bootstrapped root (where
 * packages were installed in system scope) shows them.
 */
export function installedScopes(ctx: Context): Layout[] {
  if (ctx.layout.root !== null || ctx.layout.scope === 'system') return [ctx.layout]
  return [ctx.layout, layoutFor({ scope: 'system', home: ctx.layout.home })]
}

/**
 * The scopes a read looks at, each settled first: an interrupted change is recovered (or
 * warned about on a read-only root) and a lost db rebuilt, so reads report the truth. Only the
 * scope the user chose may fail the read; the implied system scope just warns.
 */
async function readyScopes(ctx: Context): Promise<Layout[]> {
  const layouts = installedScopes(ctx)
  for (const [i, layout] of layouts.entries()) {
    try {
      await settleForRead(layout, ctx.report)
    } catch (e) {
      if (i === 0 || !isZoiError(e)) throw e
      ctx.report({ kind: 'warn', text: `${e.message}${e.hint ? ` (${e.hint})` : ''}` })
    }
  }
  return layouts
}

/**
 * Runs `fn` on the layout's installed db; a read where nothing was ever installed answers
 * `absent` without opening anything. A read falls back to opening it read-only when it cannot
 * be opened for writing, so `list`, `show` and `files` work on a read-only HOME or root.
 */
function withInstalled<T>(layout: Layout, fn: (db: InstalledDb) => T, absent: T, write = false): T {
  if (!write && !existsSync(layout.installedDb)) return absent
  const db = write ? InstalledDb.open(layout.installedDb) : InstalledDb.openForReading(layout.installedDb)
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

/** Every package installed in this layout's scope. */
export function installedRows(layout: Layout): InstalledRow[] {
  return withInstalled(layout, (db) => db.list(), [])
}

/** The first scope where `name` is installed, with its row. */
async function findInstalled(ctx: Context, given: string): Promise<{ layout: Layout; row: InstalledRow }> {
  const name = installedName(given)
  for (const layout of await readyScopes(ctx)) {
    const row = withInstalled(layout, (db) => db.get(name), undefined)
    if (row) return { layout, row }
  }
  const known = installedScopes(ctx).flatMap(installedRows).map((r) => r.name)
  throw unknownPackage(given, 'is not installed', known, "see 'zoi list'")
}

/**
 * The installed name meant by what zoi prints elsewhere: `example/core/hello` (search, plans),
 * `#example@core/hello` or `hello@1.0.0` all name the installed `hello`.
 */
export function installedName(given: string): string {
  try {
    const spec = parseSource(given)
    return spec.kind === 'name' ? spec.name : given
  } catch {
    return given
  }
}

export interface ListedPackage {
  name: string
  version: string
  registry: string
  repo: string
  reason: string
  pinned: string | null
  available?: string
}

export async function listInstalled(ctx: Context, opts: { outdated?: boolean } = {}): Promise<ListedPackage[]> {
  const rows = (await readyScopes(ctx)).flatMap(installedRows)
  const listed = rows.map((r) => ({ name: r.name, version: r.version, registry: r.handle, repo: r.repo, reason: r.reason, pinned: r.pinned }))
  if (!opts.outdated) return listed
  const catalog = openCatalog(ctx)
  try {
    return listed.flatMap((p) => {
      const best = chooseDefaultVersion(catalog.candidates(p.name, { handle: p.registry, repo: p.repo }))
      return best && compareVersions(best, p.version) > 0 ? [{ ...p, available: best }] : []
    })
  } finally {
    catalog.close()
  }
}

/** What `uninstall` would remove, for the plan shown before asking (unknown names fail here). */
export async function removalRows(ctx: Context, names: readonly string[]): Promise<{ name: string; version: string; installedSize: number }[]> {
  const rows: InstalledRow[] = []
  for (const n of names) rows.push((await findInstalled(ctx, n)).row)
  return rows.map((r) => ({ name: r.name, version: r.version, installedSize: r.installedSize }))
}

export async function filesOf(ctx: Context, name: string): Promise<string[]> {
  const { layout, row } = await findInstalled(ctx, name)
  return listFiles({ layout, name: row.name })
}

export async function ownerOf(ctx: Context, path: string): Promise<{ path: string; name: string; version: string }> {
  const abs = resolve(path)
  const owner = (await readyScopes(ctx))
    .map((layout) => withInstalled(layout, (db) => db.ownerOf(abs, layout), undefined))
    .find((o) => o !== undefined)
  if (!owner) throw new ZoiError('NOT_FOUND', `no installed package owns ${abs}`)
  return { path: abs, name: owner.pkg.name, version: owner.pkg.version }
}

export async function whyInstalled(ctx: Context, name: string): Promise<{ name: string; reason: string; requiredBy: string[] }> {
  const { layout, row } = await findInstalled(ctx, name)
  return { name: row.name, reason: row.reason, requiredBy: withInstalled(layout, (db) => db.dependentsOf(row.name).map((d) => d.name), []) }
}

export async function pinPackage(ctx: Context, name: string, version: string | null): Promise<InstalledRow> {
  const { layout, row } = await findInstalled(ctx, name)
  if (version !== null && row.version !== version) {
    throw new ZoiError('REFUSED', `'${name}' is installed at ${row.version}, not ${version}`, { hint: `install it first: zoi install ${name}@${version}` })
  }
  return withLock(layout.lockFile, async () => withInstalled(layout, (db) => db.setPinned(name, version), row, true))
}

/**
 * Remove packages as one set per root: every name is resolved before anything is removed (an
 * unknown one is exit 3 with nothing changed), then each root's packages go in one changeset,
 * so a package and the ones depending on it may be named together, in any order.
 */
export async function uninstallPackages(ctx: Context, names: readonly string[], opts: { force?: boolean; dryRun?: boolean; history?: string }): Promise<UninstallResult[]> {
  if (names.length === 0) throw new ZoiError('USAGE', 'uninstall needs at least one package')
  const byRoot = new Map<string, { layout: Layout; group: string[] }>()
  for (const name of names) {
    const { layout } = await findInstalled(ctx, name)
    const entry = byRoot.get(layout.installedDb) ?? { layout, group: [] }
    entry.group.push(name)
    byRoot.set(layout.installedDb, entry)
  }
  const out: UninstallResult[] = []
  for (const { layout, group } of byRoot.values()) {
    const { applyChangeset } = await import('../store/changeset.ts')
    const removals = group.map((name) => ({ name }))
    const change = { layout, removals, force: opts.force, report: ctx.report }
    if (opts.dryRun) {
      out.push(...(await applyChangeset({ ...change, dryRun: true })).removed)
      continue
    }
    const { removed } = await withLock(layout.lockFile, async () => {
      await recoverInterrupted(layout)
      return applyChangeset(change)
    })
    out.push(...removed)
    // One history entry per scope for the whole command.
    const changes: HistoryChange[] = removed.map((r) => ({ action: 'remove', name: r.removed.name, from: r.removed.version }))
    recordTransaction(ctx, layout, opts.history ?? `uninstall ${names.join(' ')}`, changes)
  }
  return out
}
