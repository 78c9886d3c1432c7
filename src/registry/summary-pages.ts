/**
 * `list --all` as pages of finished text, kept in the index beside the rows they are made of.
 * Reading 50,000 rows through bun:sqlite and formatting each costs far more than the query
 * (about 45 ms against a 6 ms scan); a page is one BLOB of the exact bytes `list --all` prints
 * for a run of rows.
 *
 * A page covers the rows whose (name, repo) sorts from its key up to the next page's key; the
 * first page's key is ('', ''), below every name. Each write of definitions re-renders, in the
 * same transaction, only the pages whose range holds a row it added, changed or removed: a
 * re-sync of 10 definitions renders at most 10 pages of PAGE_ROWS rows. A page that grew past
 * twice that is split, an emptied one dropped (its range falls to the page before). Pages are
 * small enough to sit inside SQLite's own pages (no overflow chains to rewrite).
 *
 * The text names the registry (`handle/repo/name`), so pages are made for one handle, recorded
 * in `meta`; an index read under another name, or written before pages existed, is printed
 * from its rows as before. Pages exist only in indexes whose writer asked for them (sync).
 *
 * The first `list --all` after a write also leaves the whole text beside the index
 * (`<handle>.db.list`), headed by a token that every write of pages changes in `meta`; the next
 * ones copy that file to stdout. A file whose token is not the index's (written before the last
 * sync, or copied along with an older .db) is ignored, and the pages are read again. Where the
 * folder is not writable, or is not this run's own (a --root run reading the host's
 * registries writes nothing outside its root), every `list --all` reads the pages.
 */
import type { Database } from 'bun:sqlite'
import { closeSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { processAlive } from '../platform/lock.ts'
import type { PackageSummaryRow } from './index-db.ts'
import { summaryLine, summaryOf } from './summary-line.ts'

export const SUMMARY_PAGES_SCHEMA = `
CREATE TABLE IF NOT EXISTS list_pages (
  id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, first_repo TEXT NOT NULL, rows INTEGER NOT NULL, text BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS list_pages_key ON list_pages(first_name, first_repo);`

/**
 * The order of list --all: by name and repo, and rows that share both (two files may define one
 * package) in the covering index's own order, so no query of them needs a sort.
 */
export const SUMMARY_ORDER = 'name, repo, version, description, id'

/** Rows per page as pages are made (about 2 KiB of text); a page is split when it holds more than twice this. */
export const PAGE_ROWS = 24

/** Pages read per statement (about 128 KiB). */
const READ_BATCH = 64

const HANDLE_KEY = 'summary_handle'
const TOKEN_KEY = 'summary_token'
/** `zoi list-pages <16 hex>\n`: the header of the file beside the index. */
const FILE_HEADER = (token: string) => `zoi list-pages ${token}\n`
const HEADER_BYTES = FILE_HEADER('0'.repeat(16)).length

/** The finished text beside an index file (none beside an in-memory database). */
export const listFileOf = (indexFile: string) => (indexFile === ':memory:' || indexFile === '' ? undefined : `${indexFile}.list`)

/** The text of a list file from `offset` on, through `fd` (which the reader closes). */
export interface FileText {
  fd: number
  offset: number
}

type Key = readonly [name: string, repo: string]
const FIRST: Key = ['', '']

/** The index's `meta` table, as IndexDb reads and writes it. */
export interface IndexMeta {
  get(key: string): string | undefined
  set(key: string, value: string): void
  delete(key: string): void
}

/** The text `list --all` prints for `rows`: each row's line and a newline, UTF-8. */
export function pageText(handle: string, rows: readonly PackageSummaryRow[]): Uint8Array {
  let text = ''
  for (const r of rows) text += `${summaryLine(summaryOf(handle, r))}\n`
  return Buffer.from(text)
}

export class SummaryPages {
  constructor(
    private readonly db: Database,
    /** `SELECT <columns> FROM packages p` gives PackageSummaryRow (see index-db.ts). */
    private readonly columns: string,
    private readonly listFile: string | undefined,
    /** Whether a read may leave the list file (not beside an index of another root, see IndexDb.open). */
    private readonly mayWriteFile: boolean,
    private readonly meta: IndexMeta,
  ) {}

  /** Called inside the transaction that changes pages: a list file written before no longer matches. */
  private touch(): void {
    this.meta.set(TOKEN_KEY, Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex'))
  }

  /** The handle the pages were made for, when there are pages (an empty index has one empty page). */
  handle(): string | undefined {
    return this.meta.get(HANDLE_KEY)
  }

  /**
   * The whole text: the list file when its token is the index's; else every page's bytes in
   * order (streamed), also written to the list file as they pass when the folder allows.
   * Undefined when the pages were not made for `handle`.
   */
  read(handle: string): Iterable<Uint8Array | FileText> | undefined {
    if (this.handle() !== handle) return undefined
    // The token is read before the pages: a sync committing in between makes the file's token
    // older than its text, and readers then ignore it. Never the other way round.
    const token = this.meta.get(TOKEN_KEY)
    const file = this.openFile(token)
    if (file) return [file]
    const { db, listFile, mayWriteFile: mayWrite } = this
    return (function* () {
      const out = token === undefined || !mayWrite ? undefined : startFile(listFile, token)
      let done = false
      try {
        // A batch per statement: a reader that waits on a slow pipe (`| less`) holds no lock that
        // would keep a sync from committing meanwhile.
        const batch = (op: '>=' | '>') => db.query(`SELECT first_name, first_repo, text FROM list_pages WHERE (first_name, first_repo) ${op} (?, ?) ORDER BY first_name, first_repo LIMIT ${READ_BATCH}`)
        let key: Key = FIRST
        let op: '>=' | '>' = '>='
        for (;;) {
          const rows = batch(op).all(...key) as { first_name: string; first_repo: string; text: Uint8Array }[]
          for (const { text } of rows) {
            out?.write(text)
            yield text
          }
          if (rows.length < READ_BATCH) break
          key = [rows[rows.length - 1]!.first_name, rows[rows.length - 1]!.first_repo]
          op = '>'
        }
        done = true
      } finally {
        out?.finish(done)
      }
    })()
  }

  private openFile(token: string | undefined): FileText | undefined {
    if (token === undefined || this.listFile === undefined) return undefined
    let fd: number
    try {
      fd = openSync(this.listFile, 'r')
    } catch {
      return undefined
    }
    const head = Buffer.alloc(HEADER_BYTES)
    if (readSync(fd, head, 0, HEADER_BYTES, 0) === HEADER_BYTES && head.toString('latin1') === FILE_HEADER(token)) return { fd, offset: HEADER_BYTES }
    closeSync(fd)
    return undefined
  }

  /** All pages made anew from the rows, for `handle` (a new index, an old one, a large write). */
  rebuild(handle: string): void {
    this.db.exec('DELETE FROM list_pages')
    // Streamed a page at a time: memory does not grow with the index.
    const rows = this.db.query(`SELECT ${this.columns} FROM packages p ORDER BY ${SUMMARY_ORDER}`).iterate() as IterableIterator<PackageSummaryRow>
    for (const [key, page] of pagesOf(rows, FIRST)) this.insert(handle, key, page)
    this.meta.set(HANDLE_KEY, handle)
    this.touch()
  }

  /** No pages: a write by someone who does not keep them (not sync) must not leave them stale. */
  drop(): void {
    this.db.exec('DELETE FROM list_pages')
    this.meta.delete(HANDLE_KEY)
    this.meta.delete(TOKEN_KEY)
  }

  /** How many pages there are (what a write compares its size with). */
  count(): number {
    return (this.db.query('SELECT count(*) AS n FROM list_pages').get() as { n: number }).n
  }

  /** Re-renders the pages holding these keys (rows added, changed or removed by the write). */
  refresh(handle: string, keys: Iterable<Key>): void {
    const pageOf = this.db.query('SELECT first_name, first_repo FROM list_pages WHERE (first_name, first_repo) <= (?, ?) ORDER BY first_name DESC, first_repo DESC LIMIT 1')
    const starts = new Map<string, Key>()
    for (const [name, repo] of keys) {
      const page = pageOf.values(name, repo)[0] as [string, string] | undefined
      const start: Key = page ?? FIRST
      starts.set(`${start[0]}\0${start[1]}`, start)
    }
    const next = this.db.query('SELECT first_name, first_repo FROM list_pages WHERE (first_name, first_repo) > (?, ?) ORDER BY first_name, first_repo LIMIT 1')
    const bounded = this.db.query(`SELECT ${this.columns} FROM packages p WHERE (name, repo) >= (?, ?) AND (name, repo) < (?, ?) ORDER BY ${SUMMARY_ORDER}`)
    const open = this.db.query(`SELECT ${this.columns} FROM packages p WHERE (name, repo) >= (?, ?) ORDER BY ${SUMMARY_ORDER}`)
    const drop = this.db.query('DELETE FROM list_pages WHERE first_name = ? AND first_repo = ?')
    if (starts.size > 0) this.touch()
    for (const start of starts.values()) {
      const end = next.values(...start)[0] as [string, string] | undefined
      const rows = (end ? bounded.all(...start, ...end) : open.all(...start)) as PackageSummaryRow[]
      drop.run(...start)
      // An emptied page goes (its range falls to the page before); the first page always stays.
      if (rows.length === 0 && !(start[0] === '' && start[1] === '')) continue
      // One page, or pages of PAGE_ROWS when it grew past twice that.
      if (rows.length <= 2 * PAGE_ROWS) this.insert(handle, start, rows)
      else for (const [key, page] of pagesOf(rows, start)) this.insert(handle, key, page)
    }
  }

  private insert(handle: string, key: Key, rows: readonly PackageSummaryRow[]): void {
    this.db.query('INSERT INTO list_pages(first_name, first_repo, rows, text) VALUES (?, ?, ?, ?)').run(key[0], key[1], rows.length, pageText(handle, rows))
  }
}

/**
 * Sorted rows (from key `start` on) cut into pages of PAGE_ROWS, each keyed by its first row
 * (the first by `start`), never cutting between rows of one key; at least one page, maybe empty.
 */
function* pagesOf(rows: Iterable<PackageSummaryRow>, start: Key): Generator<[Key, PackageSummaryRow[]]> {
  let page: PackageSummaryRow[] = []
  let key = start
  for (const r of rows) {
    if (page.length >= PAGE_ROWS && !sameKey(page[page.length - 1]!, r)) {
      yield [key, page]
      page = []
      key = [r.name, r.repo]
    }
    page.push(r)
  }
  yield [key, page]
}

/**
 * The list file being written while the pages pass (a temp file, renamed into place only when
 * every page went through); nothing when the folder cannot be written.
 */
function startFile(file: string | undefined, token: string): { write(bytes: Uint8Array): void; finish(complete: boolean): void } | undefined {
  if (file === undefined) return undefined
  sweepTemps(file)
  const tmp = `${file}.tmp-${process.pid}`
  let fd: number
  try {
    fd = openSync(tmp, 'w')
    writeAll(fd, Buffer.from(FILE_HEADER(token)))
  } catch {
    rmSync(tmp, { force: true })
    return undefined
  }
  let failed = false
  return {
    write(bytes) {
      if (failed) return
      try {
        writeAll(fd, bytes)
      } catch {
        failed = true // the listing goes on; the file is not kept
      }
    },
    finish(complete) {
      try {
        closeSync(fd)
        if (complete && !failed) renameSync(tmp, file)
      } catch {
        // A full disk or a folder made read-only meanwhile: the next list reads the pages again.
      } finally {
        rmSync(tmp, { force: true })
      }
    },
  }
}

/** Temp files of listings that were killed half way (their process is gone). */
function sweepTemps(file: string): void {
  const prefix = `${basename(file)}.tmp-`
  try {
    for (const name of readdirSync(dirname(file))) {
      if (name.startsWith(prefix) && !processAlive(Number(name.slice(prefix.length)))) rmSync(join(dirname(file), name), { force: true })
    }
  } catch {
    // Unreadable folder: nothing to sweep, and the file will not be written either.
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done)
}

/**
 * Two definitions may name the same package (same name and repo, different files). A page key
 * says where a page starts, so rows with one key never straddle two pages.
 */
export function sameKey(a: PackageSummaryRow, b: PackageSummaryRow): boolean {
  return a.name === b.name && a.repo === b.repo
}
