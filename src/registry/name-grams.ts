/**
 * `zoi search`'s substring match on names, without reading every name. The match itself is
 * SQLite's `name LIKE '%term%'` (ASCII letters folded); scanning all names for it costs about
 * 4 ms at 50,000 packages. So every name's two-character pieces (bigrams, ASCII-folded as LIKE
 * folds) are kept with its package id: a name holding the term holds each of the term's
 * bigrams, so the ids having all of them are a superset of the matches, which LIKE then checks.
 * Terms of one character still scan.
 *
 * Kept by the index's one writer (applyChanges) in the same transaction as the rows; an index
 * without them (written by an older zoi) gets them at its next writable open, and until then
 * is scanned as before. `meta` says they are complete.
 */
import type { Database } from 'bun:sqlite'
import type { IndexMeta } from './summary-pages.ts'

export const NAME_GRAMS_SCHEMA = `
CREATE TABLE IF NOT EXISTS name_grams (
  gram TEXT NOT NULL, package_id INTEGER NOT NULL, PRIMARY KEY (gram, package_id)
) WITHOUT ROWID;`

const READY_KEY = 'name_grams'

/** What LIKE folds: ASCII letters only. */
function foldAscii(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase())
}

/** The distinct bigrams of a (folded) string. */
export function bigrams(s: string): string[] {
  const folded = foldAscii(s)
  const out = new Set<string>()
  for (let i = 0; i + 2 <= folded.length; i++) out.add(folded.slice(i, i + 2))
  return [...out]
}

export class NameGrams {
  private known: boolean | undefined

  constructor(
    private readonly db: Database,
    private readonly meta: IndexMeta,
  ) {}

  /** Whether every package's bigrams are stored (false for an index an older zoi wrote). */
  ready(): boolean {
    this.known ??= this.meta.get(READY_KEY) !== undefined
    return this.known
  }

  /**
   * Every package's bigrams, made anew (inside the caller's transaction), inserted in key order
   * so the table's B-tree is only appended to (a write of most of the index calls this once
   * instead of adding each package's bigrams as it goes).
   */
  populate(): void {
    this.db.exec('DELETE FROM name_grams')
    const pairs: [string, number][] = []
    for (const [id, name] of this.db.query('SELECT id, name FROM packages').values() as [number, string][]) {
      for (const g of bigrams(name)) pairs.push([g, id])
    }
    pairs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1]))
    const insert = this.db.query('INSERT INTO name_grams(gram, package_id) VALUES (?, ?)')
    for (const [g, id] of pairs) insert.run(g, id)
    this.meta.set(READY_KEY, '1')
    this.known = true
  }

  add(id: number, name: string): void {
    const insert = this.db.query('INSERT OR IGNORE INTO name_grams(gram, package_id) VALUES (?, ?)')
    for (const g of bigrams(name)) insert.run(g, id)
  }

  remove(id: number, name: string): void {
    const del = this.db.query('DELETE FROM name_grams WHERE gram = ? AND package_id = ?')
    for (const g of bigrams(name)) del.run(g, id)
  }

  /**
   * Ids of packages whose name contains `term` (LIKE's folding), first `limit` in name order;
   * undefined when the bigrams cannot answer (not stored, or a one-character term).
   */
  matching(term: string, limit: number): number[] | undefined {
    const grams = bigrams(term)
    if (grams.length === 0 || !this.ready()) return undefined
    const candidates = grams.map(() => 'SELECT package_id FROM name_grams WHERE gram = ?').join(' INTERSECT ')
    const rows = this.db.query(`SELECT id FROM packages WHERE id IN (${candidates}) AND name LIKE ? ESCAPE '\\' ORDER BY name, id LIMIT ?`).values(...grams, containing(term), limit) as [number][]
    return rows.map((r) => r[0])
  }
}

/** The LIKE pattern (ESCAPE '\\') of names containing `term`: its own wildcards escaped. */
export function containing(term: string): string {
  return `%${term.replace(/[\\%_]/g, '\\$&')}%`
}
