/**
 * Tables and row types of the installed-package db (installed-db.ts). Every table is here, created
 * (when missing) in ONE transaction when the db opens: on a fresh root that is one fsync, where a
 * statement each cost one apiece.
 */
import type { FileKind } from './store-paths.ts'

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '1');
CREATE TABLE IF NOT EXISTS packages (
  id INTEGER PRIMARY KEY,
  handle TEXT NOT NULL, repo TEXT NOT NULL, name TEXT NOT NULL,
  version TEXT NOT NULL, revision TEXT NOT NULL, platform TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('direct', 'dependency')),
  subs TEXT NOT NULL, bins TEXT NOT NULL, backup TEXT NOT NULL, dependencies TEXT NOT NULL,
  provides TEXT NOT NULL, conflicts TEXT NOT NULL, replaces TEXT NOT NULL,
  pinned TEXT, install_method TEXT NOT NULL, archive_sha512 TEXT,
  installed_size INTEGER NOT NULL, installed_at TEXT NOT NULL,
  txid TEXT NOT NULL UNIQUE,
  UNIQUE (handle, repo, name)
);
CREATE INDEX IF NOT EXISTS packages_name ON packages(name);
CREATE TABLE IF NOT EXISTS files (
  package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('pkgstore', 'bin', 'usrroot', 'usrhome')),
  path TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('file', 'link', 'dir')),
  created INTEGER NOT NULL DEFAULT 0,
  hash TEXT,
  PRIMARY KEY (package_id, kind, path)
);
CREATE INDEX IF NOT EXISTS files_location ON files(kind, path);
CREATE TABLE IF NOT EXISTS depends (
  package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  PRIMARY KEY (package_id, name)
);
CREATE INDEX IF NOT EXISTS depends_name ON depends(name);
CREATE TABLE IF NOT EXISTS transactions (txid TEXT PRIMARY KEY);
-- What each installed file looked like right after its install (file-checks.ts).
CREATE TABLE IF NOT EXISTS file_checks (
  txid TEXT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL,
  type TEXT NOT NULL, sha256 TEXT, mode INTEGER, target TEXT,
  PRIMARY KEY (txid, kind, path)
);
-- One row per transaction, and small notes (history.ts).
CREATE TABLE IF NOT EXISTS history (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  command TEXT NOT NULL,
  changes TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`

export type InstallReason = 'direct' | 'dependency'

/** What the caller resolved and the install adds; stored as one `packages` row. */
export interface PackageRecord {
  handle: string
  repo: string
  name: string
  version: string
  revision: string
  platform: string
  reason: InstallReason
  subs: string[]
  bins: string[]
  backup: string[]
  /** Raw runtime dependency strings (`zoi:openssl@^3`, `native:zlib`). */
  dependencies: string[]
  provides: string[]
  conflicts: string[]
  replaces: string[]
  installMethod: string
  archiveSha512: string | null
  installedSize: number
  /** The journal id of the install that wrote the row (crash recovery, journal.ts). */
  txid: string
}

export interface InstalledRow extends PackageRecord {
  id: number
  pinned: string | null
  installedAt: string
}

/** One recorded path: a file or link the package owns, or a folder it uses. */
export interface OwnedFile {
  kind: FileKind
  /** Relative to the kind's base (store-paths.ts), `/`-separated. */
  path: string
  type: 'file' | 'link' | 'dir'
  /** For folders: zoi created it, so the last package listing it removes it. */
  created: boolean
  /** sha256 of the content as installed, kept for `backup` files only. */
  hash: string | null
}

export type RawRow = Record<string, unknown> & { id: number }

const list = (v: unknown): string[] => JSON.parse(String(v)) as string[]

export function toRow(raw: RawRow): InstalledRow {
  return {
    id: raw.id,
    handle: String(raw.handle),
    repo: String(raw.repo),
    name: String(raw.name),
    version: String(raw.version),
    revision: String(raw.revision),
    platform: String(raw.platform),
    reason: raw.reason as InstallReason,
    subs: list(raw.subs),
    bins: list(raw.bins),
    backup: list(raw.backup),
    dependencies: list(raw.dependencies),
    provides: list(raw.provides),
    conflicts: list(raw.conflicts),
    replaces: list(raw.replaces),
    pinned: raw.pinned == null ? null : String(raw.pinned),
    installMethod: String(raw.install_method),
    archiveSha512: raw.archive_sha512 == null ? null : String(raw.archive_sha512),
    installedSize: Number(raw.installed_size),
    installedAt: String(raw.installed_at),
    txid: String(raw.txid),
  }
}
