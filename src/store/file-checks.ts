/**
 * What each installed file looked like right after its install (sha256 and mode; a link's
 * target), so `zoi check` can tell missing and changed files apart, as `apk audit` and
 * `nix-store --verify` do. Kept per install transaction (txid) in a table of its own, so a
 * reinstall's records replace nothing in place and a package installed before it is known.
 * The table is in installed-schema.ts (created when the db opens).
 */
import { lstatSync, readFileSync, readlinkSync, type Stats } from 'node:fs'
import type { Layout } from '../platform/layout.ts'
import type { InstalledDb } from './installed-db.ts'
import type { InstalledRow, OwnedFile } from './installed-schema.ts'
import { absolutePath } from './store-paths.ts'
import { crypto } from '../platform/node-lazy.ts'

export type FileProblem = 'missing' | 'changed' | 'mode' | 'type' | 'target'

export interface FileFinding {
  path: string
  problem: FileProblem
  /** For `mode`: expected and found, in octal. */
  detail?: string
  /** A `backup` (configuration) file: changes are the user's, not damage. */
  config: boolean
}

export interface PackageCheck {
  name: string
  version: string
  files: number
  /** False for packages installed before zoi recorded hashes: only presence is checked. */
  recorded: boolean
  findings: FileFinding[]
}

/** What one installed file or link looked like right after its install. */
export interface Snapshot {
  type: 'file' | 'link'
  sha256: string | null
  mode: number | null
  target: string | null
}

function snapshot(abs: string, st: Stats): Snapshot {
  if (st.isSymbolicLink()) return { type: 'link', sha256: null, mode: null, target: readlinkSync(abs) }
  return { type: 'file', sha256: crypto().createHash('sha256').update(readFileSync(abs)).digest('hex'), mode: st.mode & 0o7777, target: null }
}

/** `kind\0path`: how `known` snapshots are keyed. */
export function checkKey(kind: string, path: string): string {
  return `${kind}\0${path}`
}

/** One installed package whose files `recordFileChecks` records: its row and the files it owns. */
export interface CheckedInstall {
  row: InstalledRow
  files: readonly OwnedFile[]
  /** Snapshots taken while the archive was extracted, keyed by `checkKey`: those files are not read back. */
  known?: ReadonlyMap<string, Snapshot>
}

/**
 * Records every file and link of the packages as they are now (call right after the install
 * commits), in ONE transaction for all of them: a commit of the WAL is a sync of the disk. The
 * files not in `known` (links, `backup` files) are read from disk. A package whose files cannot
 * be recorded is left out (`onError`) and the others are recorded.
 */
export function recordFileChecks(db: InstalledDb, layout: Layout, installs: readonly CheckedInstall[], onError: (row: InstalledRow, e: unknown) => void): void {
  const insert = db.db.query('INSERT OR REPLACE INTO file_checks(txid, kind, path, type, sha256, mode, target) VALUES (?, ?, ?, ?, ?, ?, ?)')
  db.db.transaction(() => {
    for (const { row, files, known } of installs) {
      // A package's snapshots are all taken before any is written: one that fails records nothing.
      let rows: [string, string, Snapshot][]
      try {
        rows = snapshots(layout, files, known)
      } catch (e) {
        onError(row, e)
        continue
      }
      for (const [kind, path, s] of rows) insert.run(row.txid, kind, path, s.type, s.sha256, s.mode, s.target)
    }
  })()
}

function snapshots(layout: Layout, files: readonly OwnedFile[], known: ReadonlyMap<string, Snapshot> | undefined): [string, string, Snapshot][] {
  const out: [string, string, Snapshot][] = []
  for (const f of files) {
    if (f.type === 'dir') continue
    let s = known?.get(checkKey(f.kind, f.path))
    if (!s) {
      // Absolute paths only for what is read from disk: most files are known from the extraction.
      const absolute = absolutePath(f, layout)
      const st = lstatSync(absolute, { throwIfNoEntry: false })
      if (!st) continue
      s = snapshot(absolute, st)
    }
    out.push([f.kind, f.path, s])
  }
  return out
}

/** Compares `row`'s files on disk with what was recorded at install. */
export function checkFiles(db: InstalledDb, layout: Layout, row: InstalledRow): PackageCheck {
  const rows = db.db.query('SELECT kind, path, type, sha256, mode, target FROM file_checks WHERE txid = ?').all(row.txid) as ({ kind: string; path: string } & Snapshot)[]
  const recorded = new Map(rows.map((r) => [`${r.kind}\0${r.path}`, r]))
  const findings: FileFinding[] = []
  let files = 0
  for (const f of db.filesOf(row, layout)) {
    if (f.type === 'dir' || !f.absolute) continue
    files++
    const config = f.hash !== null
    const st = lstatSync(f.absolute, { throwIfNoEntry: false })
    if (!st) {
      findings.push({ path: f.absolute, problem: 'missing', config })
      continue
    }
    const want = recorded.get(`${f.kind}\0${f.path}`)
    if (!want) continue
    const have = snapshot(f.absolute, st)
    if (have.type !== want.type) findings.push({ path: f.absolute, problem: 'type', detail: `${want.type} became ${have.type}`, config })
    else if (have.type === 'link' && have.target !== want.target) findings.push({ path: f.absolute, problem: 'target', detail: `${want.target} -> ${have.target}`, config })
    else if (have.type === 'file' && have.sha256 !== want.sha256) findings.push({ path: f.absolute, problem: 'changed', config })
    else if (have.type === 'file' && have.mode !== want.mode) findings.push({ path: f.absolute, problem: 'mode', detail: `${octal(want.mode)} -> ${octal(have.mode)}`, config })
  }
  return { name: row.name, version: row.version, files, recorded: rows.length > 0 || files === 0, findings }
}

function octal(mode: number | null): string {
  return mode === null ? '?' : mode.toString(8).padStart(4, '0')
}
