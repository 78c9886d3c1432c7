/** Installed-state queries and edits: list, files, owner, why, pin, unpin, uninstall. */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { layoutFor, type Layout } from '../platform/layout.ts'
import { withLock } from '../platform/lock.ts'
import { chooseDefaultVersion } from '../registry/index.ts'
import { compareVersions, parseSource } from '../resolve/index.ts'
import { InstalledDb, listFiles, type HistoryChange, recoverInterrupted, uninstallPackage, type InstalledRow, type UninstallResult } from '../store/index.ts'
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

/** Runs `fn` on the layout's installed db (an empty one when nothing was ever installed). */
function withInstalled<T>(layout: Layout, fn: (db: InstalledDb) => T): T {
  const db = InstalledDb.open(existsSync(layout.installedDb) ? layout.installedDb : ':memory:')
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

/** Every package installed in this layout's scope. */
export function installedRows(layout: Layout): InstalledRow[] {
  return withInstalled(layout, (db) => db.list())
}

/** The first scope where `name` is installed, with its row. */
function findInstalled(ctx: Context, given: string): { layout: Layout; row: InstalledRow } {
  const name = installedName(given)
  for (const layout of installedScopes(ctx)) {
    const row = withInstalled(layout, (db) => db.get(name))
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
  const rows = installedScopes(ctx).flatMap(installedRows)
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
export function removalRows(ctx: Context, names: readonly string[]): { name: string; version: string; installedSize: number }[] {
  return names.map((n) => findInstalled(ctx, n).row).map((r) => ({ name: r.name, version: r.version, installedSize: r.installedSize }))
}

export async function filesOf(ctx: Context, name: string): Promise<string[]> {
  const { layout, row } = findInstalled(ctx, name)
  return listFiles({ layout, name: row.name })
}

export async function ownerOf(ctx: Context, path: string): Promise<{ path: string; name: string; version: string }> {
  const abs = resolve(path)
  const owner = installedScopes(ctx)
    .map((layout) => withInstalled(layout, (db) => db.ownerOf(abs, layout)))
    .find((o) => o !== undefined)
  if (!owner) throw new ZoiError('NOT_FOUND', `no installed package owns ${abs}`)
  return { path: abs, name: owner.pkg.name, version: owner.pkg.version }
}

export async function whyInstalled(ctx: Context, name: string): Promise<{ name: string; reason: string; requiredBy: string[] }> {
  const { layout, row } = findInstalled(ctx, name)
  return { name: row.name, reason: row.reason, requiredBy: withInstalled(layout, (db) => db.dependentsOf(row.name).map((d) => d.name)) }
}

export async function pinPackage(ctx: Context, name: string, version: string | null): Promise<InstalledRow> {
  const { layout, row } = findInstalled(ctx, name)
  if (version !== null && row.version !== version) {
    throw new ZoiError('REFUSED', `'${name}' is installed at ${row.version}, not ${version}`, { hint: `install it first: zoi install ${name}@${version}` })
  }
  return withLock(layout.lockFile, async () => withInstalled(layout, (db) => db.setPinned(name, version)))
}

export async function uninstallPackages(ctx: Context, names: readonly string[], opts: { force?: boolean; history?: string }): Promise<UninstallResult[]> {
  if (names.length === 0) throw new ZoiError('USAGE', 'uninstall needs at least one package')
  const out: UninstallResult[] = []
  const removed: { layout: Layout; change: HistoryChange }[] = []
  try {
    for (const name of names) {
      const { layout, row } = findInstalled(ctx, name)
      out.push(
        await withLock(layout.lockFile, async () => {
          await recoverInterrupted(layout)
          const result = await uninstallPackage({ layout, name: row.name, force: opts.force, report: ctx.report })
          removed.push({ layout, change: { action: 'remove', name: row.name, from: row.version } })
          return result
        }),
      )
    }
  } finally {
    // One history entry per scope for the whole command, also when a later removal failed.
    for (const layout of new Set(removed.map((r) => r.layout))) {
      recordTransaction(ctx, layout, opts.history ?? `uninstall ${names.join(' ')}`, removed.filter((r) => r.layout === layout).map((r) => r.change))
    }
  }
  return out
}
