/**
 * The transaction history of a root (`zoi history`), written right after a change commits (the
 * per-file records `zoi check` uses are written by the changeset itself). Recording is best effort by design: the packages
 * are installed by then, and a full disk must not turn a finished install into a failure.
 */
import { existsSync } from 'node:fs'
import type { Context } from '../context.ts'
import type { Layout } from '../platform/layout.ts'
import { appendHistory, readHistory, type HistoryChange, type HistoryEntry } from '../store/history.ts'
import { InstalledDb } from '../store/installed-db.ts'
import type { PlannedInstall } from './install.ts'

function withDb<T>(layout: Layout, fn: (db: InstalledDb) => T): T | undefined {
  if (!existsSync(layout.installedDb)) return undefined
  const db = InstalledDb.open(layout.installedDb)
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

export function recordTransaction(ctx: Context, layout: Layout, command: string, changes: readonly HistoryChange[]): void {
  try {
    withDb(layout, (db) => appendHistory(db, command, changes))
  } catch (e) {
    ctx.report({ kind: 'warn', text: `could not record this change in the history: ${e instanceof Error ? e.message : e}` })
  }
}

/** History changes of an applied install plan. */
export function installChanges(planned: readonly PlannedInstall[]): HistoryChange[] {
  return planned.map((p) => ({
    action: (['install', 'upgrade', 'downgrade', 'reinstall'].includes(p.action) ? p.action : 'install') as HistoryChange['action'],
    name: p.name,
    ...(p.oldVersion !== undefined ? { from: p.oldVersion } : {}),
    to: p.version,
  }))
}

/** The history of these scopes (see `installedScopes`), oldest first; `limit` keeps the newest. */
export async function listHistory(layouts: readonly Layout[], limit?: number): Promise<HistoryEntry[]> {
  const all = layouts
    .flatMap((layout) => withDb(layout, readHistory) ?? [])
    .sort((a, b) => a.at.localeCompare(b.at))
  return limit === undefined ? all : all.slice(-limit)
}
