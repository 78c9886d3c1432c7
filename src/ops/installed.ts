/** Installed-state queries and edits: list, files, owner, why, pin, unpin, uninstall. */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { withLock } from '../platform/lock.ts'
import { compareVersions, defaultVersion } from '../resolve/index.ts'
import { InstalledDb, listFiles, recoverInterrupted, uninstallPackage, type InstalledRow, type UninstallResult } from '../store/index.ts'
import { openCatalog } from './registries.ts'

function withInstalled<T>(ctx: Context, fn: (db: InstalledDb) => T): T {
  if (!existsSync(ctx.layout.installedDb)) return fn(InstalledDb.open(':memory:'))
  const db = InstalledDb.open(ctx.layout.installedDb)
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

function requireInstalled(db: InstalledDb, name: string): InstalledRow {
  const row = db.get(name)
  if (!row) throw new ZoiError('NOT_FOUND', `package '${name}' is not installed`, { hint: "see 'zoi list'" })
  return row
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
  const rows = withInstalled(ctx, (db) => db.list())
  const listed = rows.map((r) => ({ name: r.name, version: r.version, registry: r.handle, repo: r.repo, reason: r.reason, pinned: r.pinned }))
  if (!opts.outdated) return listed
  const catalog = openCatalog(ctx)
  try {
    return listed.flatMap((p) => {
      const candidates = catalog.candidates(p.name, { handle: p.registry, repo: p.repo }).sort((a, b) => compareVersions(b.version, a.version))
      const best = defaultVersion(candidates)
      return best && compareVersions(best, p.version) > 0 ? [{ ...p, available: best }] : []
    })
  } finally {
    catalog.close()
  }
}

export async function filesOf(ctx: Context, name: string): Promise<string[]> {
  withInstalled(ctx, (db) => requireInstalled(db, name))
  return listFiles({ layout: ctx.layout, name })
}

export async function ownerOf(ctx: Context, path: string): Promise<{ path: string; name: string; version: string }> {
  const abs = resolve(path)
  const owner = withInstalled(ctx, (db) => db.ownerOf(abs, ctx.layout))
  if (!owner) throw new ZoiError('NOT_FOUND', `no installed package owns ${abs}`)
  return { path: abs, name: owner.pkg.name, version: owner.pkg.version }
}

export async function whyInstalled(ctx: Context, name: string): Promise<{ name: string; reason: string; requiredBy: string[] }> {
  return withInstalled(ctx, (db) => {
    const row = requireInstalled(db, name)
    return { name: row.name, reason: row.reason, requiredBy: db.dependentsOf(row.name).map((d) => d.name) }
  })
}

export async function pinPackage(ctx: Context, name: string, version: string | null): Promise<InstalledRow> {
  return withLock(ctx.layout.lockFile, async () => withInstalled(ctx, (db) => {
    const row = requireInstalled(db, name)
    if (version !== null && row.version !== version) {
      throw new ZoiError('REFUSED', `'${name}' is installed at ${row.version}, not ${version}`, { hint: `install it first: zoi install ${name}@${version}` })
    }
    return db.setPinned(name, version)
  }))
}

export async function uninstallPackages(ctx: Context, names: readonly string[], opts: { force?: boolean }): Promise<UninstallResult[]> {
  if (names.length === 0) throw new ZoiError('USAGE', 'uninstall needs at least one package')
  return withLock(ctx.layout.lockFile, async () => {
    await recoverInterrupted(ctx.layout)
    const out: UninstallResult[] = []
    for (const name of names) out.push(await uninstallPackage({ layout: ctx.layout, name, force: opts.force, report: ctx.report }))
    return out
  })
}
