/**
 * The per-registry index `<db>/<handle>.db` (bun:sqlite, WAL): one row per package definition,
 * one per version and per channel, its dependency strings, archive facts from sidecars, and
 * FTS5 over names/descriptions/tags/bins and over archive file paths.
 *
 * Relocatable by construction: no absolute path is ever stored (definition paths are relative
 * to the registry root), so copying `<db>/` to another machine gives a working index.
 */
import { Database } from 'bun:sqlite'
import { checkIndexFile } from './index-file.ts'
import { containing, NAME_GRAMS_SCHEMA, NameGrams } from './name-grams.ts'
import { listFileOf, sameKey, SUMMARY_ORDER, SUMMARY_PAGES_SCHEMA, SummaryPages, type FileText, type IndexMeta } from './summary-pages.ts'
import { ZoiError, describeError } from '../errors.ts'

const SCHEMA_VERSION = '1'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS definitions (
  path TEXT PRIMARY KEY, blob TEXT NOT NULL, error TEXT
);
-- The definitions that failed, found without a scan (every sync lists them; almost none fail).
CREATE INDEX IF NOT EXISTS definitions_errors ON definitions(path) WHERE error IS NOT NULL;
CREATE TABLE IF NOT EXISTS packages (
  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE REFERENCES definitions(path) ON DELETE CASCADE,
  name TEXT NOT NULL, repo TEXT NOT NULL, version TEXT, revision TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '', license TEXT, website TEXT,
  bins TEXT NOT NULL, tags TEXT NOT NULL, types TEXT NOT NULL, platforms TEXT NOT NULL,
  sub_packages TEXT NOT NULL, main_subs TEXT NOT NULL, provides TEXT NOT NULL,
  conflicts TEXT NOT NULL, replaces TEXT NOT NULL, backup TEXT NOT NULL, spec TEXT NOT NULL,
  default_version TEXT
);
CREATE INDEX IF NOT EXISTS packages_name ON packages(name);
-- list --all reads its columns from this index alone, in its order (no row lookups, no sort).
CREATE INDEX IF NOT EXISTS packages_summary ON packages(name, repo, default_version, description);
CREATE TABLE IF NOT EXISTS versions (
  package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
  version TEXT NOT NULL, channel TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (package_id, channel, version)
);
CREATE TABLE IF NOT EXISTS dependencies (
  package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
  kind TEXT NOT NULL, grp TEXT NOT NULL, raw TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dependencies_pkg ON dependencies(package_id);
CREATE TABLE IF NOT EXISTS provides (
  package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE, name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS provides_name ON provides(name);
CREATE TABLE IF NOT EXISTS archives (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, repo TEXT NOT NULL, version TEXT NOT NULL,
  platform TEXT NOT NULL, sha512 TEXT, sha256 TEXT, down_size INTEGER, install_size INTEGER,
  UNIQUE (repo, name, version, platform)
);
CREATE TABLE IF NOT EXISTS archive_files (
  archive_id INTEGER NOT NULL REFERENCES archives(id) ON DELETE CASCADE, path TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS archive_files_archive ON archive_files(archive_id);
CREATE VIRTUAL TABLE IF NOT EXISTS packages_fts USING fts5(name, description, tags, bins, content='packages', content_rowid='id');
CREATE VIRTUAL TABLE IF NOT EXISTS files_fts USING fts5(path, content='archive_files');
CREATE TRIGGER IF NOT EXISTS packages_ai AFTER INSERT ON packages BEGIN
  INSERT INTO packages_fts(rowid, name, description, tags, bins) VALUES (new.id, new.name, new.description, new.tags, new.bins);
END;
CREATE TRIGGER IF NOT EXISTS packages_ad AFTER DELETE ON packages BEGIN
  INSERT INTO packages_fts(packages_fts, rowid, name, description, tags, bins) VALUES ('delete', old.id, old.name, old.description, old.tags, old.bins);
END;
CREATE TRIGGER IF NOT EXISTS files_ai AFTER INSERT ON archive_files BEGIN
  INSERT INTO files_fts(rowid, path) VALUES (new.rowid, new.path);
END;
CREATE TRIGGER IF NOT EXISTS files_ad AFTER DELETE ON archive_files BEGIN
  INSERT INTO files_fts(files_fts, rowid, path) VALUES ('delete', old.rowid, old.path);
END;
`

/**
 * An index written before `default_version` existed gets the column, filled by the same rule in
 * SQL, and the covering index that replaces `packages_list`; all or nothing.
 */
function addDefaultVersions(db: Database): void {
  const columns = db.query('PRAGMA table_info(packages)').all() as { name: string }[]
  if (columns.length === 0 || columns.some((c) => c.name === 'default_version')) return
  db.transaction(() => {
    db.exec('ALTER TABLE packages ADD COLUMN default_version TEXT')
    db.exec(`UPDATE packages AS p SET default_version = ${DEFAULT_VERSION_SQL}`)
    db.exec('DROP INDEX IF EXISTS packages_list')
    db.exec('CREATE INDEX packages_summary ON packages(name, repo, default_version, description)')
  })()
}

/** The triggers that keep packages_fts in step with packages, as the schema creates them. */
const FTS_TRIGGERS = [...SCHEMA.matchAll(/CREATE TRIGGER IF NOT EXISTS (packages_a[id]) [^]*?END;/g)].map((m) => ({ name: m[1]!, sql: m[0] }))

const TABLES = [...SCHEMA.matchAll(/CREATE (?:VIRTUAL )?TABLE IF NOT EXISTS (\w+)/g)].map((m) => m[1]!)
const ALL_SCHEMAS = SCHEMA + SUMMARY_PAGES_SCHEMA + NAME_GRAMS_SCHEMA
/** Every table, index and trigger a writable open makes sure of. */
const SCHEMA_OBJECTS = [...ALL_SCHEMAS.matchAll(/CREATE (?:UNIQUE )?(?:VIRTUAL )?(?:TABLE|INDEX|TRIGGER) IF NOT EXISTS (\w+)/g)].map((m) => m[1]!)

/** The index's schema version; undefined when it has none (or no meta table: not an index). */
function schemaOf(db: Database): string | undefined {
  try {
    return (db.query("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | null)?.value
  } catch {
    return undefined
  }
}

/** What the indexer stores for one evaluated definition. */
export interface IndexedPackage {
  name: string
  repo: string
  version?: string
  revision: string
  description: string
  license?: string
  website?: string
  bins: string[]
  tags: string[]
  types: string[]
  platforms: string[]
  subPackages: string[]
  mainSubs: string[]
  provides: string[]
  conflicts: string[]
  replaces: string[]
  backup: string[]
  channels: Record<string, string>
  dependencies: { kind: 'runtime' | 'build'; group: string; raw: string }[]
  /** The whole evaluated definition, for `show`. */
  spec: unknown
}

export interface PackageRow extends IndexedPackage {
  id: number
  path: string
}

/** The few columns `list --all` prints; `version` is the one `install <name>` picks (defaultVersionOf). */
export interface PackageSummaryRow {
  name: string
  repo: string
  version?: string | null
  description: string
}

export interface ArchiveFacts {
  name: string
  repo: string
  version: string
  platform: string
  sha512?: string
  sha256?: string
  downSize?: number
  installSize?: number
  files?: string[]
}

export interface DefinitionChange {
  path: string
  blob: string
  pkg?: IndexedPackage
  error?: string
}

type RawPackageRow = Record<string, unknown> & { id: number; spec: string }

/**
 * The version `install <name>` picks when no version is asked for: the stable channel, else the
 * first channel by name, else the definition's one version. (The channel the resolver picks
 * names one of the row's own versions; a unit test holds this equal to chooseDefaultVersion.)
 * Stored per row as `default_version` so `list --all` and `search` read it from an index.
 */
export function defaultVersionOf(p: { version?: string; channels: Record<string, string> }): string | undefined {
  if ('stable' in p.channels) return p.channels.stable
  const names = Object.keys(p.channels)
  if (names.length === 0) return p.version
  return p.channels[names.sort()[0]!]
}

/** defaultVersionOf in SQL, from the versions table: fills the column of an index written before it existed. */
const DEFAULT_VERSION_SQL = `COALESCE(
  (SELECT version FROM versions WHERE package_id = p.id AND channel = 'stable'),
  (SELECT version FROM versions WHERE package_id = p.id AND channel != '' ORDER BY channel LIMIT 1),
  p.version)`

/** What list --all and search read; an index older than `default_version` opened read-only computes it. */
const summaryColumns = (stored: boolean) => `name, repo, description, ${stored ? 'default_version' : DEFAULT_VERSION_SQL} AS version`

/** A write of at most this many definitions (or archives) commits without WAL; see writing(). */
const SMALL_WRITE = 200

/** Rows per page of summaryPages. */
const SUMMARY_PAGE = 2000

const JSON_COLUMNS = ['bins', 'tags', 'types', 'platforms', 'sub_packages', 'main_subs', 'provides', 'conflicts', 'replaces', 'backup'] as const

export class IndexDb {
  private readonly summaryColumns: string
  /** In WAL mode now (entered for a write, or left so by a writer that did not close). */
  private wal: boolean
  private readonly pages: SummaryPages
  private readonly grams: NameGrams
  /** `meta` for the parts that keep their own state there (list pages, name bigrams). */
  readonly meta: IndexMeta = {
    get: (key) => this.getMeta(key),
    set: (key, value) => this.setMeta(key, value),
    delete: (key) => void this.db.query('DELETE FROM meta WHERE key = ?').run(key),
  }

  private constructor(
    readonly db: Database,
    readonly file: string,
    private readonly writable: boolean,
    storedDefaults: boolean,
    wal: boolean,
    /** Created by this open: nobody read it before, so even its first, large write needs no WAL. */
    private readonly created: boolean,
    /** The registry handle whose `list --all` pages writes keep current (summary-pages.ts); none: no pages. */
    private readonly summaryHandle: string | undefined,
    foreign: boolean,
  ) {
    this.summaryColumns = summaryColumns(storedDefaults)
    this.wal = wal
    this.pages = new SummaryPages(db, this.summaryColumns, listFileOf(file), !foreign, this.meta)
    this.grams = new NameGrams(db, this.meta)
  }

  /**
   * `summaryHandle` (a writable open by sync): keep pages of `list --all` text for that handle,
   * made now if the index has none for it (an index an older zoi wrote, or a new one).
   * `foreign`: the index is not this run's own (a --root run reading the host's): reading it
   * leaves nothing beside it.
   */
  static open(file: string, options: { readonly?: boolean; summaryHandle?: string; foreign?: boolean } = {}): IndexDb {
    checkIndexFile(file)
    let db: Database | undefined
    let storedDefaults = false
    let wal = false
    let created = false
    try {
      db = options.readonly ? new Database(file, { readonly: true }) : new Database(file, { create: true })
      db.exec('PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;')
      const objectsOf = (conn: Database) => conn.query('SELECT type, name FROM sqlite_master').all() as { type: string; name: string }[]
      let names = objectsOf(db)
      let schema = schemaOf(db)
      if (!options.readonly) {
        wal = (db.query('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode === 'wal'
        created = names.length === 0
        // An index that has every object at this schema version (each re-sync opens one) runs no CREATE.
        const present = new Set(names.map((o) => o.name))
        if (schema !== SCHEMA_VERSION || !SCHEMA_OBJECTS.every((name) => present.has(name))) {
          addDefaultVersions(db)
          // One transaction: each CREATE on its own is a commit with its fsyncs (84 for a new index).
          const conn = db
          conn.transaction(() => {
            conn.exec(ALL_SCHEMAS)
            conn.query("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION)
          })()
          names = objectsOf(db)
          schema = schemaOf(db)
        }
      }
      // A database that is not an index (no meta table, another schema) is as bad as a broken one.
      if (schema !== SCHEMA_VERSION) throw new Error(`schema ${schema ?? 'missing'}, expected ${SCHEMA_VERSION}`)
      const tables = new Set(names.filter((t) => t.type === 'table').map((t) => t.name))
      const missing = TABLES.filter((t) => !tables.has(t))
      if (missing.length > 0) throw new Error(`not a registry index (no table ${missing.join(', ')})`)
      // Written in one transaction with the column (addDefaultVersions), so the index vouches for it.
      storedDefaults = names.some((t) => t.type === 'index' && t.name === 'packages_summary')
    } catch (e) {
      db?.close()
      throw new ZoiError('INTEGRITY', `registry index ${file} is unreadable: ${describeError(e)}`, {
        hint: "run 'zoi sync --force' to rebuild it",
        cause: e,
      })
    }
    const index = new IndexDb(db, file, !options.readonly, storedDefaults, wal, created, options.readonly ? undefined : options.summaryHandle, options.foreign === true)
    const handle = index.summaryHandle
    if (handle !== undefined && index.pages.handle() !== handle) index.db.transaction(() => index.pages.rebuild(handle))()
    if (!options.readonly && !index.grams.ready()) index.db.transaction(() => index.grams.populate())()
    return index
  }

  /**
   * WAL is for large writes only, entered at the first one: readers go on reading while a sync
   * writes thousands of rows. A small write (a re-sync of a few changed definitions) commits in
   * rollback-journal mode: readers wait on its lock for milliseconds, and the two switches in and
   * out of WAL (each a journalled header write) and the checkpoint cost more than the write
   * itself. So does the first write into an index this open created (a first sync, `sync
   * --force`): there was nothing to read before it, and rollback journalling of new pages costs
   * little. A sync that writes nothing (the index is current) switches and fsyncs nothing. At
   * rest the index is a single file in rollback-journal mode, so read-only readers (another
   * user, a --root install reading the host's registries) create no -wal/-shm files beside it,
   * and copying <db>/ elsewhere needs nothing but the .db file.
   */
  private writing(rows: number): void {
    if (this.wal || this.created || rows <= SMALL_WRITE) return
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;')
    this.wal = true
  }

  /**
   * A compact, self-contained copy at `dest` (`VACUUM INTO`): no WAL, no change counters, so the
   * same index content gives the same bytes — what a reproducible bundle needs.
   */
  copyTo(dest: string): void {
    this.db.query('VACUUM INTO ?').run(dest)
  }

  close(): void {
    if (this.writable && this.wal) {
      try {
        this.db.exec('PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;')
      } catch {
        // Another connection still has it open: it stays in WAL mode, which is still correct.
      }
    }
    this.db.close()
  }

  getMeta(key: string): string | undefined {
    return (this.db.query('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | null)?.value
  }

  setMeta(key: string, value: string): void {
    this.db.query('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value)
  }

  /** path → blob oid of every definition indexed so far (including ones that failed). */
  definitionBlobs(): Map<string, string> {
    const rows = this.db.query('SELECT path, blob FROM definitions').all() as { path: string; blob: string }[]
    return new Map(rows.map((r) => [r.path, r.blob]))
  }

  /** definitionBlobs() of the definitions directly in `folders` (not in their subfolders). */
  definitionBlobsIn(folders: Iterable<string>): Map<string, string> {
    // A range over the primary key: every path under `f/` sorts between `f/` and `f0` ('0' follows '/').
    const q = this.db.query('SELECT path, blob FROM definitions WHERE path >= ? AND path < ?')
    const out = new Map<string, string>()
    for (const f of folders) {
      const prefix = f === '.' ? '' : `${f}/`
      const rows = (f === '.' ? this.db.query('SELECT path, blob FROM definitions').all() : q.all(prefix, `${f}0`)) as { path: string; blob: string }[]
      for (const r of rows) if (!r.path.slice(prefix.length).includes('/')) out.set(r.path, r.blob)
    }
    return out
  }

  definitionErrors(): { path: string; error: string }[] {
    return this.db.query('SELECT path, error FROM definitions WHERE error IS NOT NULL ORDER BY path').all() as { path: string; error: string }[]
  }

  /** Apply one sync's worth of changes atomically: a crash leaves the previous index. */
  applyChanges(changes: DefinitionChange[], removed: string[], meta: Record<string, string> = {}): void {
    this.writing(changes.length + removed.length)
    const delDef = this.db.query('DELETE FROM definitions WHERE path = ?')
    const insDef = this.db.query('INSERT INTO definitions(path, blob, error) VALUES (?, ?, ?)')
    const insPkg = this.db.query(`INSERT INTO packages(path, name, repo, version, revision, description, license, website,
      bins, tags, types, platforms, sub_packages, main_subs, provides, conflicts, replaces, backup, spec, default_version)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
    const insVer = this.db.query('INSERT OR IGNORE INTO versions(package_id, version, channel) VALUES (?, ?, ?)')
    const insDep = this.db.query('INSERT INTO dependencies(package_id, kind, grp, raw) VALUES (?, ?, ?, ?)')
    const insProv = this.db.query('INSERT INTO provides(package_id, name) VALUES (?, ?)')
    const handle = this.summaryHandle
    // Pages to re-render: those holding a row this write adds, changes or removes, unless the
    // write touches so many that making every page again costs less.
    const rebuild = handle !== undefined && (this.created || changes.length + removed.length >= this.pages.count() / 2)
    // A write of most of the index (a first sync, --force) makes the search tables once from the
    // rows at the end instead of row by row: the full-text index through FTS5's 'rebuild' (its
    // insert trigger cost 12 µs a row, the rebuild 2.5 µs a row of the whole table), the name
    // bigrams in key order.
    const bulk = this.created || changes.length + removed.length >= this.packageCount() / 2
    const keys: [string, string][] = []
    const oldRow = this.db.query('SELECT id, name, repo FROM packages WHERE path = ?')
    this.db.transaction(() => {
      if (bulk) this.db.exec(FTS_TRIGGERS.map((t) => `DROP TRIGGER ${t.name};`).join(''))
      // The rows this write replaces or removes: their pages and their name bigrams go too.
      for (const path of [...removed, ...changes.map((c) => c.path)]) {
        for (const [id, name, repo] of oldRow.values(path) as [number, string, string][]) {
          if (!bulk) this.grams.remove(id, name)
          keys.push([name, repo])
        }
      }
      for (const c of changes) if (c.pkg) keys.push([c.pkg.name, c.pkg.repo])
      for (const path of removed) delDef.run(path)
      for (const c of changes) {
        delDef.run(c.path)
        insDef.run(c.path, c.blob, c.error ?? null)
        const p = c.pkg
        if (!p) continue
        const { id } = insPkg.get(
          c.path, p.name, p.repo, p.version ?? null, p.revision, p.description, p.license ?? null, p.website ?? null,
          JSON.stringify(p.bins), JSON.stringify(p.tags), JSON.stringify(p.types), JSON.stringify(p.platforms),
          JSON.stringify(p.subPackages), JSON.stringify(p.mainSubs), JSON.stringify(p.provides), JSON.stringify(p.conflicts),
          JSON.stringify(p.replaces), JSON.stringify(p.backup), JSON.stringify(p.spec ?? null), defaultVersionOf(p) ?? null,
        ) as { id: number }
        if (!bulk) this.grams.add(id, p.name)
        if (p.version) insVer.run(id, p.version, '')
        for (const [channel, version] of Object.entries(p.channels)) insVer.run(id, version, channel)
        for (const d of p.dependencies) insDep.run(id, d.kind, d.group, d.raw)
        for (const v of p.provides) insProv.run(id, v)
      }
      if (bulk) {
        this.db.exec(`INSERT INTO packages_fts(packages_fts) VALUES ('rebuild');${FTS_TRIGGERS.map((t) => t.sql).join('')}`)
        this.grams.populate()
      }
      for (const [k, v] of Object.entries(meta)) this.setMeta(k, v)
      if (handle === undefined) {
        if (this.pages.handle() !== undefined) this.pages.drop()
      } else if (rebuild) this.pages.rebuild(handle)
      else this.pages.refresh(handle, keys)
    })()
  }

  /**
   * `list --all`'s text of this index as pages of bytes, when the pages were made for `handle`;
   * otherwise undefined, and the caller formats summaryPages() (an index from an older zoi, one
   * copied in under another name, or written by something other than sync).
   */
  summaryText(handle: string): Iterable<Uint8Array | FileText> | undefined {
    return this.pages.read(handle)
  }

  packageCount(): number {
    return (this.db.query('SELECT count(*) AS n FROM packages').get() as { n: number }).n
  }

  packagesByName(name: string, repo?: string): PackageRow[] {
    const rows = repo
      ? this.db.query('SELECT * FROM packages WHERE name = ? AND (repo = ? OR repo LIKE ? || \'/%\') ORDER BY repo').all(name, repo, repo)
      : this.db.query('SELECT * FROM packages WHERE name = ? ORDER BY repo').all(name)
    return this.hydrateAll(rows as RawPackageRow[])
  }

  providersOf(virtualName: string): PackageRow[] {
    const rows = this.db.query('SELECT p.* FROM packages p JOIN provides v ON v.package_id = p.id WHERE v.name = ? ORDER BY p.repo, p.name').all(virtualName)
    return this.hydrateAll(rows as RawPackageRow[])
  }

  allPackages(): PackageRow[] {
    return this.hydrateAll(this.db.query('SELECT * FROM packages ORDER BY name, repo').all() as RawPackageRow[])
  }

  /**
   * Every package with the version `install <name>` would pick, in pages of SUMMARY_PAGE rows
   * read in name order from the packages_summary index (keyset paging: memory stays flat in the
   * index size; bun:sqlite's row-by-row iterate() costs 2.5× a page read with all()).
   */
  *summaryPages(): Generator<PackageSummaryRow[]> {
    // Keyset pages over (name, repo). Rows sharing the last key of a full page (two files may
    // define one package) go to the next page whole: a `>` after a page cut between them lost one.
    const select = (where: string, limit = '') => this.db.query(`SELECT ${this.summaryColumns} FROM packages p WHERE ${where} ORDER BY ${SUMMARY_ORDER}${limit}`)
    const from = select('(name, repo) >= (?, ?)', ` LIMIT ${SUMMARY_PAGE}`)
    let key: [string, string] = ['', '']
    let inclusive = true
    for (;;) {
      const rows = (inclusive ? from : select('(name, repo) > (?, ?)', ` LIMIT ${SUMMARY_PAGE}`)).all(...key) as PackageSummaryRow[]
      if (rows.length < SUMMARY_PAGE) {
        if (rows.length > 0) yield rows
        return
      }
      const last = rows[rows.length - 1]!
      let cut = rows.length
      while (cut > 0 && sameKey(rows[cut - 1]!, last)) cut--
      key = [last.name, last.repo]
      if (cut > 0) {
        yield rows.slice(0, cut)
        inclusive = true
      } else {
        yield select('name = ? AND repo = ?').all(...key) as PackageSummaryRow[] // one key fills a whole page
        inclusive = false
      }
    }
  }

  /**
   * `zoi search`: FTS prefix match on name/description/tags/bins, plus a substring match on the
   * name; the summary columns only, no definitions to hydrate.
   */
  search(term: string, limit = 200): PackageSummaryRow[] {
    const ids = this.searchIds(term, limit)
    if (!ids.length) return []
    return (this.db.query(`SELECT ${this.summaryColumns} FROM packages p WHERE id IN (${ids.join(',')}) ORDER BY name, repo`).all() as PackageSummaryRow[])
  }

  private searchIds(term: string, limit: number): number[] {
    const tokens = term.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []
    const ids = new Set<number>()
    if (tokens.length) {
      const q = tokens.map((t) => `"${t}"*`).join(' AND ')
      for (const r of this.db.query('SELECT rowid AS id FROM packages_fts WHERE packages_fts MATCH ? ORDER BY rank LIMIT ?').all(q, limit) as { id: number }[]) ids.add(r.id)
    }
    // A substring of the name: found through the names' bigrams (name-grams.ts), or by reading a
    // names index, not the wide rows. LIKE folds ASCII case as lower() does and is twice as fast
    // as instr(lower(name), …); its wildcards are escaped. Both give the first `limit` by name.
    const lowered = term.toLowerCase()
    const byGrams = this.grams.matching(lowered, limit)
    if (byGrams) for (const id of byGrams) ids.add(id)
    else for (const r of this.db.query("SELECT id FROM packages WHERE name LIKE ? ESCAPE '\\' ORDER BY name, id LIMIT ?").all(containing(lowered), limit) as { id: number }[]) ids.add(r.id)
    return [...ids]
  }

  /** Archives whose file list has a path matching `term` (FTS prefix match, then substring). */
  searchFiles(term: string, limit = 200): { name: string; repo: string; version: string; platform: string; path: string }[] {
    const tokens = term.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []
    if (!tokens.length) return []
    const q = tokens.map((t) => `"${t}"*`).join(' AND ')
    const rows = this.db.query(`SELECT a.name, a.repo, a.version, a.platform, f.path FROM files_fts
      JOIN archive_files f ON f.rowid = files_fts.rowid JOIN archives a ON a.id = f.archive_id
      WHERE files_fts MATCH ? ORDER BY a.name, f.path LIMIT ?`).all(q, limit) as { name: string; repo: string; version: string; platform: string; path: string }[]
    const needle = term.toLowerCase()
    return rows.filter((r) => r.path.toLowerCase().includes(needle) || tokens.length > 1)
  }

  versionsOf(packageId: number): { version: string; channel: string }[] {
    return this.db.query('SELECT version, channel FROM versions WHERE package_id = ? ORDER BY channel, version').all(packageId) as { version: string; channel: string }[]
  }

  /** Store what sidecars said about an archive; an absent field keeps what was stored before. */
  setArchiveFacts(facts: ArchiveFacts[]): void {
    this.writing(facts.length)
    const upsert = this.db.query(`INSERT INTO archives(name, repo, version, platform, sha512, sha256, down_size, install_size)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(repo, name, version, platform) DO UPDATE SET
        sha512 = coalesce(excluded.sha512, sha512), sha256 = coalesce(excluded.sha256, sha256),
        down_size = coalesce(excluded.down_size, down_size), install_size = coalesce(excluded.install_size, install_size)
      RETURNING id`)
    const delFiles = this.db.query('DELETE FROM archive_files WHERE archive_id = ?')
    const insFile = this.db.query('INSERT INTO archive_files(archive_id, path) VALUES (?, ?)')
    this.db.transaction(() => {
      for (const f of facts) {
        const { id } = upsert.get(f.name, f.repo, f.version, f.platform, f.sha512 ?? null, f.sha256 ?? null, f.downSize ?? null, f.installSize ?? null) as { id: number }
        if (f.files) {
          delFiles.run(id)
          for (const p of f.files) insFile.run(id, p)
        }
      }
    })()
  }

  archiveFacts(repo: string, name: string, version: string, platform: string): ArchiveFacts | undefined {
    const r = this.db.query('SELECT * FROM archives WHERE repo = ? AND name = ? AND version = ? AND platform = ?').get(repo, name, version, platform) as Record<string, unknown> | null
    if (!r) return undefined
    const files = (this.db.query('SELECT path FROM archive_files WHERE archive_id = ? ORDER BY path').all(r.id as number) as { path: string }[]).map((x) => x.path)
    return {
      name, repo, version, platform,
      sha512: (r.sha512 as string | null) ?? undefined,
      sha256: (r.sha256 as string | null) ?? undefined,
      downSize: (r.down_size as number | null) ?? undefined,
      installSize: (r.install_size as number | null) ?? undefined,
      files,
    }
  }

  archivesOf(repo: string, name: string): ArchiveFacts[] {
    const rows = this.db.query('SELECT version, platform FROM archives WHERE repo = ? AND name = ? ORDER BY version, platform').all(repo, name) as { version: string; platform: string }[]
    return rows.map((r) => this.archiveFacts(repo, name, r.version, r.platform)!)
  }

  /** Rows with their channels and dependencies: two queries for the whole set, not two per row. */
  private hydrateAll(rows: RawPackageRow[]): PackageRow[] {
    const ids = JSON.stringify(rows.map((r) => r.id))
    const channels = new Map<number, Record<string, string>>()
    const versions = this.db.query(`SELECT package_id AS id, version, channel FROM versions
      WHERE package_id IN (SELECT value FROM json_each(?)) AND channel != '' ORDER BY package_id, channel, version`)
    for (const v of versions.iterate(ids) as IterableIterator<{ id: number; version: string; channel: string }>) {
      const own = channels.get(v.id) ?? {}
      own[v.channel] = v.version
      channels.set(v.id, own)
    }
    const deps = new Map<number, PackageRow['dependencies']>()
    const depRows = this.db.query(`SELECT package_id AS id, kind, grp, raw FROM dependencies
      WHERE package_id IN (SELECT value FROM json_each(?)) ORDER BY rowid`)
    for (const d of depRows.iterate(ids) as IterableIterator<{ id: number; kind: 'runtime' | 'build'; grp: string; raw: string }>) {
      const own = deps.get(d.id) ?? []
      own.push({ kind: d.kind, group: d.grp, raw: d.raw })
      deps.set(d.id, own)
    }
    return rows.map((r) => this.hydrate(r, channels.get(r.id) ?? {}, deps.get(r.id) ?? []))
  }

  private hydrate(r: RawPackageRow, channels: Record<string, string>, dependencies: PackageRow['dependencies']): PackageRow {
    const list = (k: (typeof JSON_COLUMNS)[number]) => JSON.parse(r[k] as string) as string[]
    const id = r.id
    return {
      id,
      path: r.path as string,
      name: r.name as string,
      repo: r.repo as string,
      version: (r.version as string | null) ?? undefined,
      revision: r.revision as string,
      description: r.description as string,
      license: (r.license as string | null) ?? undefined,
      website: (r.website as string | null) ?? undefined,
      bins: list('bins'),
      tags: list('tags'),
      types: list('types'),
      platforms: list('platforms'),
      subPackages: list('sub_packages'),
      mainSubs: list('main_subs'),
      provides: list('provides'),
      conflicts: list('conflicts'),
      replaces: list('replaces'),
      backup: list('backup'),
      channels,
      dependencies,
      spec: JSON.parse(r.spec),
    }
  }
}
