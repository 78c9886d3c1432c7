/**
 * The installed-package database `<db>/local.db` (bun:sqlite, WAL): one row per installed
 * package, every file, link and folder it owns, and the zoi package names it depends on.
 * Paths are `(kind, relative path)` pairs (store-paths.ts), never absolute. A package and
 * its files change together in one transaction, so readers see it wholly or not at all.
 */
import { Database, constants } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { ZoiError, describeError } from '../errors.ts'
import type { Layout } from '../platform/layout.ts'
import { zoiDependencyName } from './dependency-name.ts'
import { absolutePath, entryPath, formatKey, locate, resolvedPath, type FileKind, type Location, type PackageKey } from './store-paths.ts'
import { SCHEMA, toRow, type InstalledRow, type OwnedFile, type PackageRecord, type RawRow } from './installed-schema.ts'

export interface Owner {
  readonly pkg: InstalledRow
  readonly kind: FileKind
  readonly path: string
}

export class InstalledDb {
  private constructor(readonly db: Database, readonly file: string) {}

  /** Opens (creating when missing) the db at `file`; `:memory:` for tests. */
  static open(file: string): InstalledDb {
    try {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
      const db = new Database(file, { create: true })
      db.exec('PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;')
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;')
      // One transaction: outside one, every CREATE commits (and fsyncs) on its own.
      db.transaction(() => db.exec(SCHEMA))()
      return new InstalledDb(db, file)
    } catch (e) {
      throw new ZoiError('INTEGRITY', `cannot open the installed-package db ${file}: ${describeError(e)}`, { cause: e })
    }
  }

  /**
   * Opens an existing db for reading only (list, show, files). On a read-only filesystem a
   * WAL database cannot be opened the normal way (SQLite would create its -shm file), so it is
   * then opened as immutable: nothing can be writing it there anyway.
   */
  static openReadOnly(file: string): InstalledDb {
    try {
      let db: Database
      try {
        db = new Database(file, { readonly: true })
        db.exec('PRAGMA busy_timeout = 5000;')
        db.query('PRAGMA schema_version').get() // opening is lazy: this reads the file (and the WAL)
      } catch {
        db = new Database(`${Bun.pathToFileURL(file).href}?immutable=1`, constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI)
      }
      return new InstalledDb(db, file)
    } catch (e) {
      throw new ZoiError('INTEGRITY', `cannot open the installed-package db ${file}: ${describeError(e)}`, { cause: e })
    }
  }

  /** `open`, or `openReadOnly` when the db cannot be opened for writing (a read-only filesystem). */
  static openForReading(file: string): InstalledDb {
    try {
      return InstalledDb.open(file)
    } catch (e) {
      try {
        return InstalledDb.openReadOnly(file)
      } catch {
        throw e
      }
    }
  }

  close(): void {
    this.db.close()
  }

  list(): InstalledRow[] {
    return (this.db.query('SELECT * FROM packages ORDER BY name, handle, repo').all() as RawRow[]).map(toRow)
  }

  /** The installed package called `name`; a name installed from several registries needs `handle`. */
  get(name: string, options: { handle?: string; repo?: string } = {}): InstalledRow | undefined {
    const rows = (this.db.query('SELECT * FROM packages WHERE name = ? ORDER BY handle, repo').all(name) as RawRow[])
      .map(toRow)
      .filter((r) => (options.handle === undefined || r.handle === options.handle) && (options.repo === undefined || r.repo === options.repo))
    if (rows.length > 1) {
      throw new ZoiError('USAGE', `'${name}' is installed more than once: ${rows.map(formatKey).join(', ')}`, {
        hint: `name one of them as #<handle>@<repo>/${name}`,
      })
    }
    return rows[0]
  }

  getByKey(key: PackageKey): InstalledRow | undefined {
    const raw = this.db.query('SELECT * FROM packages WHERE handle = ? AND repo = ? AND name = ?').get(key.handle, key.repo, key.name)
    return raw ? toRow(raw as RawRow) : undefined
  }

  /** Whether the install that wrote journal `txid` is committed. */
  hasTransaction(txid: string): boolean {
    return this.db.query('SELECT 1 FROM packages WHERE txid = ?').get(txid) !== null
  }

  /** Whether the changeset that wrote journal `txid` committed (changeset.ts). */
  hasCommitted(txid: string): boolean {
    return this.db.query('SELECT 1 FROM transactions WHERE txid = ?').get(txid) !== null
  }

  /**
   * Commit a whole changeset in ONE transaction: every removal and every install, and the
   * changeset's `txid`, which tells recovery that it committed. Only the newest txid is kept:
   * the caller ran recovery under the same lock, so no older journal is left to ask.
   */
  commitChangeset(txid: string, installs: ReadonlyArray<{ record: PackageRecord; files: readonly OwnedFile[] }>, removals: readonly InstalledRow[]): InstalledRow[] {
    return this.db.transaction(() => {
      for (const pkg of removals) this.commitRemoval(pkg)
      const rows = installs.map((i) => this.commitInstall(i.record, i.files))
      this.db.query('DELETE FROM transactions').run()
      this.db.query('INSERT INTO transactions(txid) VALUES (?)').run(txid)
      return rows
    })()
  }

  /** Files, links and folders of a package, sorted; with a layout each gets its absolute path. */
  filesOf(pkg: InstalledRow | string, layout?: Layout): Array<OwnedFile & { absolute?: string }> {
    const row = typeof pkg === 'string' ? this.get(pkg) : pkg
    if (!row) return []
    const files = this.db.query('SELECT kind, path, type, created, hash FROM files WHERE package_id = ? ORDER BY kind, path').all(row.id) as RawFile[]
    return files.map((f) => {
      const file: OwnedFile = { kind: f.kind, path: f.path, type: f.type, created: f.created === 1, hash: f.hash }
      return layout ? { ...file, absolute: absolutePath(file, layout) } : file
    })
  }

  /** Packages recording this exact location as a file or link (folders are shared, not owned). */
  ownersAt(location: Location): InstalledRow[] {
    const raws = this.db
      .query("SELECT p.* FROM files f JOIN packages p ON p.id = f.package_id WHERE f.kind = ? AND f.path = ? AND f.type != 'dir' ORDER BY p.name")
      .all(location.kind, location.path) as RawRow[]
    return raws.map(toRow)
  }

  /** Packages listing the folder at this location. */
  dirListers(location: Location): InstalledRow[] {
    const raws = this.db
      .query("SELECT p.* FROM files f JOIN packages p ON p.id = f.package_id WHERE f.kind = ? AND f.path = ? AND f.type = 'dir'")
      .all(location.kind, location.path) as RawRow[]
    return raws.map(toRow)
  }

  /**
   * Who owns the file at `path` on this layout. The path may be reached through symlinked
   * folders or contain `..`: it is resolved first, then mapped to the layout's bases. The entry
   * itself is tried before the file a symlink at `path` points to.
   */
  ownerOf(path: string, layout: Layout): Owner | undefined {
    for (const candidate of [entryPath(path), resolvedPath(path)]) {
      for (const location of locate(candidate, layout)) {
        const raw = this.db
          .query('SELECT p.*, f.kind AS f_kind, f.path AS f_path FROM files f JOIN packages p ON p.id = f.package_id WHERE f.kind = ? AND f.path = ? ORDER BY f.type = \'dir\', p.name LIMIT 1')
          .get(location.kind, location.path) as (RawRow & { f_kind: FileKind; f_path: string }) | null
        if (raw) return { pkg: toRow(raw), kind: raw.f_kind, path: raw.f_path }
      }
    }
    return undefined
  }

  /** Installed packages whose runtime dependencies name the zoi package `name`. */
  dependentsOf(name: string): InstalledRow[] {
    const raws = this.db
      .query('SELECT DISTINCT p.* FROM depends d JOIN packages p ON p.id = d.package_id WHERE d.name = ? ORDER BY p.name')
      .all(name.toLowerCase()) as RawRow[]
    return raws.map(toRow)
  }

  /** Hold `name` at `version` (null releases it). Exit 3 when it is not installed. */
  setPinned(name: string, version: string | null, options: { handle?: string } = {}): InstalledRow {
    const row = this.get(name, options)
    if (!row) throw new ZoiError('NOT_FOUND', `package '${name}' is not installed`)
    this.db.query('UPDATE packages SET pinned = ? WHERE id = ?').run(version, row.id)
    return { ...row, pinned: version }
  }

  /**
   * Record an install in ONE transaction: the previous row of the same package (reinstall,
   * upgrade) is replaced, with its pin and a `direct` reason carried over. Folders the old
   * version created and the new one does not list pass to other packages still listing them.
   */
  commitInstall(record: PackageRecord, files: readonly OwnedFile[]): InstalledRow {
    const insert = this.db.query(`INSERT INTO packages(handle, repo, name, version, revision, platform, reason, subs, bins,
      backup, dependencies, provides, conflicts, replaces, pinned, install_method, archive_sha512, installed_size, installed_at, txid)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`)
    const insertFile = this.db.query('INSERT INTO files(package_id, kind, path, type, created, hash) VALUES (?, ?, ?, ?, ?, ?)')
    const insertDep = this.db.query('INSERT OR IGNORE INTO depends(package_id, name) VALUES (?, ?)')
    return this.db.transaction(() => {
      const old = this.getByKey(record)
      if (old) {
        const kept = new Set(files.filter((f) => f.type === 'dir').map((f) => `${f.kind}/${f.path}`))
        this.releaseDirs(old.id, (d) => !kept.has(`${d.kind}/${d.path}`))
        this.db.query('DELETE FROM packages WHERE id = ?').run(old.id)
      }
      const r = record
      const raw = insert.get(
        r.handle, r.repo, r.name, r.version, r.revision, r.platform, old?.reason === 'direct' ? 'direct' : r.reason,
        JSON.stringify(r.subs), JSON.stringify(r.bins), JSON.stringify(r.backup), JSON.stringify(r.dependencies),
        JSON.stringify(r.provides), JSON.stringify(r.conflicts), JSON.stringify(r.replaces), old?.pinned ?? null,
        r.installMethod, r.archiveSha512, r.installedSize, new Date().toISOString(), r.txid,
      ) as RawRow
      for (const f of files) insertFile.run(raw.id, f.kind, f.path, f.type, f.created ? 1 : 0, f.hash)
      for (const dep of r.dependencies) {
        const name = zoiDependencyName(dep)
        if (name !== null) insertDep.run(raw.id, name)
      }
      return toRow(raw)
    })()
  }

  /** Remove a package's rows in one transaction; its created folders pass to other listers. */
  commitRemoval(pkg: InstalledRow): void {
    this.db.transaction(() => {
      this.releaseDirs(pkg.id, () => true)
      this.db.query('DELETE FROM packages WHERE id = ?').run(pkg.id)
    })()
  }

  /**
   * A folder zoi created stays "created" while anyone lists it, so that the last package using
   * it removes it. Called inside a transaction, before the package's rows go.
   */
  private releaseDirs(packageId: number, which: (d: { kind: FileKind; path: string }) => boolean): void {
    const dirs = this.db.query("SELECT kind, path FROM files WHERE package_id = ? AND type = 'dir' AND created = 1").all(packageId) as RawFile[]
    const pass = this.db.query("UPDATE files SET created = 1 WHERE kind = ? AND path = ? AND type = 'dir' AND package_id != ?")
    for (const d of dirs) if (which(d)) pass.run(d.kind, d.path, packageId)
  }
}

interface RawFile {
  kind: FileKind
  path: string
  type: OwnedFile['type']
  created: number
  hash: string | null
}
