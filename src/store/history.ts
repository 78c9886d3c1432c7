/**
 * What happened to a root over time, kept in the installed db beside the packages: one row per
 * transaction (date, command, each package's old → new version), and small notes such as
 * "the PATH advice was shown". Own tables (installed-schema.ts), created when missing as the db
 * opens, so older dbs just gain them.
 */
import type { InstalledDb } from './installed-db.ts'

export interface HistoryChange {
  action: 'install' | 'upgrade' | 'downgrade' | 'reinstall' | 'remove'
  name: string
  /** The version before (absent for a fresh install). */
  from?: string
  /** The version after (absent for a removal). */
  to?: string
}

export interface HistoryEntry {
  id: number
  at: string
  command: string
  changes: HistoryChange[]
}

export function appendHistory(db: InstalledDb, command: string, changes: readonly HistoryChange[], at = new Date()): void {
  if (changes.length === 0) return
  db.db.query('INSERT INTO history(at, command, changes) VALUES (?, ?, ?)').run(at.toISOString(), command, JSON.stringify(changes))
}

/** Oldest first. */
export function readHistory(db: InstalledDb): HistoryEntry[] {
  const rows = db.db.query('SELECT id, at, command, changes FROM history ORDER BY id').all() as { id: number; at: string; command: string; changes: string }[]
  return rows.map((r) => ({ id: r.id, at: r.at, command: r.command, changes: JSON.parse(r.changes) as HistoryChange[] }))
}

export function readNote(db: InstalledDb, key: string): string | undefined {
  return (db.db.query('SELECT value FROM notes WHERE key = ?').get(key) as { value: string } | null)?.value
}

export function writeNote(db: InstalledDb, key: string, value: string): void {
  db.db.query('INSERT INTO notes(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value)
}
