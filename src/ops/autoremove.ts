/**
 * Orphans, as pacman's `-Qdt` finds them: packages installed as dependencies that no package
 * still needs, directly or through other orphans. `zoi autoremove` removes them, dependents
 * first, one at a time through the ordinary uninstall path.
 */
import { existsSync } from 'node:fs'
import type { Context } from '../context.ts'
import type { Layout } from '../platform/layout.ts'
import { InstalledDb, type InstalledRow } from '../store/index.ts'
import { installedScopes, uninstallPackages } from './installed.ts'

export interface Orphan {
  name: string
  version: string
  installedSize: number
  /** The scope's layout it lives in (user or system). */
  layout: Layout
}

/** The orphans of one layout, in removal order (a package before what it depends on). */
export function orphansIn(layout: Layout): Orphan[] {
  if (!existsSync(layout.installedDb)) return []
  const db = InstalledDb.open(layout.installedDb)
  try {
    const rows = db.list()
    const candidates = new Map(rows.filter((r) => r.reason === 'dependency').map((r) => [r.id, r]))
    const needers = (r: InstalledRow) => [r.name, ...r.provides.map((p) => p.split(/[@=<>~^]/)[0]!)].flatMap((n) => db.dependentsOf(n)).filter((d) => d.id !== r.id)
    // Fixed point: drop every candidate that something outside the candidates still needs.
    for (let changed = true; changed; ) {
      changed = false
      for (const r of [...candidates.values()]) {
        if (needers(r).some((d) => !candidates.has(d.id))) {
          candidates.delete(r.id)
          changed = true
        }
      }
    }
    return removalOrder([...candidates.values()], needers).map((r) => ({ name: r.name, version: r.version, installedSize: r.installedSize, layout }))
  } finally {
    db.close()
  }
}

/** Dependents before their dependencies, so each removal leaves nothing broken. */
function removalOrder(rows: InstalledRow[], needers: (r: InstalledRow) => InstalledRow[]): InstalledRow[] {
  const out: InstalledRow[] = []
  const left = new Map(rows.map((r) => [r.id, r]))
  while (left.size > 0) {
    const next = [...left.values()].filter((r) => !needers(r).some((d) => left.has(d.id)))
    const take = next.length > 0 ? next : [...left.values()] // a cycle: any order is as good
    for (const r of take.sort((a, b) => a.name.localeCompare(b.name))) {
      out.push(r)
      left.delete(r.id)
    }
  }
  return out
}

export function findOrphans(ctx: Context): Orphan[] {
  return installedScopes(ctx).flatMap(orphansIn)
}

export interface AutoremoveResult {
  dryRun: boolean
  orphans: Orphan[]
  removed: { name: string; version: string }[]
}

export async function autoremove(ctx: Context, opts: { dryRun?: boolean } = {}): Promise<AutoremoveResult> {
  const orphans = findOrphans(ctx)
  if (opts.dryRun || orphans.length === 0) return { dryRun: Boolean(opts.dryRun), orphans, removed: [] }
  const results = await uninstallPackages(ctx, orphans.map((o) => o.name), { history: 'autoremove' })
  return { dryRun: false, orphans, removed: results.map((r) => ({ name: r.removed.name, version: r.removed.version })) }
}

