/**
 * `list --all`'s pages of finished text (registry/summary-pages.ts) must always print exactly
 * what formatting the rows prints: after every kind of write, from the file beside the index,
 * from the pages when that file is stale or gone, and not at all when they were made for
 * another handle or by a writer that does not keep them.
 */
import { afterAll, describe, expect, spyOn, test } from 'bun:test'
import { closeSync, copyFileSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Database } from 'bun:sqlite'
import { IndexDb, type DefinitionChange, type IndexedPackage } from '../../../src/registry/index-db.ts'
import { PAGE_ROWS, SummaryPages, type FileText } from '../../../src/registry/summary-pages.ts'
import { summaryLine, summaryOf } from '../../../src/registry/summary-line.ts'
import { makeTempDir, removeTempDirs } from '../../support/make-git-repo.ts'
import { indexedPackage } from '../../support/indexed-package.ts'

afterAll(removeTempDirs)

const pkg = indexedPackage

/** A new index in a temp folder, kept by sync for handle `main`, holding these packages (paths a, b, …). */
async function syncedWith(...names: string[]): Promise<{ file: string; db: IndexDb }> {
  const file = join(await makeTempDir(), 'main.db')
  const db = IndexDb.open(file, { summaryHandle: 'main' })
  db.applyChanges(names.map((name, i) => ({ path: String.fromCharCode(97 + i), blob: '1', pkg: pkg(name) })), [])
  return { file, db }
}

/** What formatting the rows prints (the path an index without pages takes). */
function live(db: IndexDb, handle: string): string {
  let out = ''
  for (const page of db.summaryPages()) for (const r of page) out += `${summaryLine(summaryOf(handle, r))}\n`
  return out
}

/** What the pages print, reading a file piece the way render.ts does. */
function stored(db: IndexDb, handle: string): string | undefined {
  const pieces = db.summaryText(handle)
  if (!pieces) return undefined
  const out: Buffer[] = []
  for (const p of pieces) {
    if ('fd' in p) {
      const file = p as FileText
      const buffer = Buffer.alloc(1 << 16)
      for (let n: number, at = file.offset; (n = readSync(file.fd, buffer, 0, buffer.length, at)) > 0; at += n) out.push(Buffer.from(buffer.subarray(0, n)))
      closeSync(file.fd)
    } else out.push(Buffer.from(p))
  }
  return Buffer.concat(out).toString('utf8')
}

/** Where the text would come from now (reading it all, as list --all does). */
function source(db: IndexDb, handle: string): 'file' | 'pages' | undefined {
  const pieces = db.summaryText(handle)
  if (!pieces) return undefined
  let from: 'file' | 'pages' = 'pages'
  for (const p of pieces) {
    if ('fd' in p) {
      closeSync(p.fd)
      from = 'file'
    }
  }
  return from
}

/** A tiny deterministic generator, so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe('pages of list --all text', () => {
  test('random small writes (adds, renames, new versions, removals, names defined twice): pages, the file and the rows always agree, and only the touched pages are made again', async () => {
    const file = join(await makeTempDir(), 'main.db')
    let db = IndexDb.open(file, { summaryHandle: 'main' })
    const rnd = random(42)
    const paths = new Map<string, IndexedPackage>()
    const name = () => `${['a', 'b', 'lib', 'z', 'ü'][Math.floor(rnd() * 5)]}${Math.floor(rnd() * 20000)}`
    // A first large write (pages made whole), then small ones that re-render only their pages.
    const first = Array.from({ length: 100 * PAGE_ROWS }, (_, i) => ({ path: `p${i}`, blob: '1', pkg: pkg(name(), { repo: i % 3 ? 'core' : 'extra' }) }))
    db.applyChanges(first, [])
    for (const c of first) paths.set(c.path, c.pkg)
    expect(stored(db, 'main')).toBe(live(db, 'main'))
    // Names repeat (two files may define one package): pages must never split equal keys.
    expect(new Set(first.map((c) => `${c.pkg.name} ${c.pkg.repo}`)).size).toBeLessThan(first.length)
    db.close()
    db = IndexDb.open(file, { summaryHandle: 'main' }) // as the next sync does
    const rebuilds = spyOn(SummaryPages.prototype, 'rebuild')
    for (let round = 0; round < 60; round++) {
      const changes: DefinitionChange[] = []
      const removed: string[] = []
      const n = 1 + Math.floor(rnd() * 8)
      for (let k = 0; k < n; k++) {
        const roll = rnd()
        const existing = [...paths.keys()].filter((p) => !p.startsWith('burst'))
        const path = existing[Math.floor(rnd() * existing.length)]!
        if (roll < 0.35) changes.push({ path: `n${round}-${k}`, blob: '1', pkg: pkg(name(), { description: rnd() < 0.2 ? '' : 'new' }) })
        else if (roll < 0.6) changes.push({ path, blob: '2', pkg: pkg(paths.get(path)!.name, { version: `${round}.${k}.0`, channels: rnd() < 0.3 ? { stable: '9.9.9' } : {} }) })
        else if (roll < 0.75) changes.push({ path, blob: '3', pkg: pkg(name()) }) // renamed: moves to another page
        else if (roll < 0.8) changes.push({ path, blob: '4', error: 'boom' }) // no longer a package
        else removed.push(path)
      }
      // Names sorting together, a few per write, grow one page past twice its size: it is split...
      if (round >= 10 && round < 28) for (let k = 0; k < 8; k++) changes.push({ path: `burst${round}-${k}`, blob: '1', pkg: pkg(`m-burst-${round}-${k}`) })
      // ...and removing them again empties the pages split off: they are dropped.
      if (round >= 40 && round < 58) for (let k = 0; k < 8; k++) removed.push(`burst${round - 30}-${k}`)
      const unique = [...new Map(changes.map((c) => [c.path, c])).values()]
      const gone = [...new Set(removed)].filter((p) => !unique.some((c) => c.path === p))
      db.applyChanges(unique, gone)
      for (const c of unique) if (c.pkg) paths.set(c.path, c.pkg); else paths.delete(c.path)
      for (const p of gone) paths.delete(p)
      // The first read after a write reads the pages and leaves the file; the next reads the file.
      expect(source(db, 'main')).toBe('pages')
      expect(stored(db, 'main'), `round ${round}`).toBe(live(db, 'main'))
      expect(source(db, 'main')).toBe('file')
    }
    expect(rebuilds).not.toHaveBeenCalled() // every small write re-rendered only its pages
    rebuilds.mockRestore()
    // Without the file, the same text comes from the pages in the index.
    rmSync(`${file}.list`)
    expect(stored(db, 'main')).toBe(live(db, 'main'))
    expect(source(db, 'main')).toBe('file')
    db.close()
  })

  test('a page that grows past twice its size is split; pages emptied again are dropped', async () => {
    const file = join(await makeTempDir(), 'main.db')
    let db = IndexDb.open(file, { summaryHandle: 'main' })
    db.applyChanges(Array.from({ length: 8 * PAGE_ROWS }, (_, i) => ({ path: `a${i}`, blob: '1', pkg: pkg(`a${String(i).padStart(5, '0')}`) })), [])
    db.close()
    db = IndexDb.open(file, { summaryHandle: 'main' })
    const pages = () => new Database(file, { readonly: true }).query('SELECT first_name AS name, rows FROM list_pages ORDER BY first_name').all() as { name: string; rows: number }[]
    expect(pages().map((p) => p.rows)).toEqual(Array(8).fill(PAGE_ROWS))
    // Names after every other land in the last page, a few per write.
    for (let w = 0; w < 3 * PAGE_ROWS; w += 3) db.applyChanges([0, 1, 2].map((k) => ({ path: `b${w + k}`, blob: '1', pkg: pkg(`b${String(w + k).padStart(5, '0')}`) })), [])
    const grown = pages()
    expect(grown.length).toBeGreaterThan(8)
    expect(grown.every((p) => p.rows <= 2 * PAGE_ROWS)).toBe(true)
    expect(grown.filter((p) => p.name.startsWith('b')).length).toBeGreaterThan(0)
    expect(stored(db, 'main')).toBe(live(db, 'main'))
    for (let w = 0; w < 3 * PAGE_ROWS; w += 3) db.applyChanges([], [0, 1, 2].map((k) => `b${w + k}`))
    expect(pages().filter((p) => p.name.startsWith('b'))).toEqual([])
    expect(pages().reduce((n, p) => n + p.rows, 0)).toBe(8 * PAGE_ROWS)
    expect(stored(db, 'main')).toBe(live(db, 'main'))
    db.close()
  })

  test('a file left from before the last write (its token is not the index\'s) is ignored; the pages are read', async () => {
    const { file, db } = await syncedWith('alpha')
    expect(source(db, 'main')).toBe('pages')
    copyFileSync(`${file}.list`, `${file}.old`)
    db.applyChanges([{ path: 'b', blob: '1', pkg: pkg('beta') }], [])
    copyFileSync(`${file}.old`, `${file}.list`) // the file of the index before the last sync
    expect(stored(db, 'main')).toBe('main/core/alpha 1.0.0\n    the alpha package\nmain/core/beta 1.0.0\n    the beta package\n')
    expect(source(db, 'main')).toBe('file')
    writeFileSync(`${file}.list`, 'garbage')
    expect(source(db, 'main')).toBe('pages')
    expect(stored(db, 'main')).toBe(live(db, 'main'))
    db.close()
  })

  test('pages are for one handle; read under another name, or written by a writer that keeps none, the rows are formatted instead', async () => {
    const { file, db } = await syncedWith('alpha')
    expect(db.summaryText('other')).toBeUndefined()
    db.close()
    // Another writer (a mirror's or a bundle plan's index) changes the rows: the pages go.
    const plain = IndexDb.open(file)
    plain.applyChanges([{ path: 'b', blob: '1', pkg: pkg('beta') }], [])
    expect(plain.summaryText('main')).toBeUndefined()
    plain.close()
    // The next sync's open makes them again.
    const again = IndexDb.open(file, { summaryHandle: 'main' })
    expect(stored(again, 'main')).toBe(live(again, 'main'))
    expect(stored(again, 'main')).toContain('main/core/beta 1.0.0')
    again.close()
  })

  test('an index an older zoi wrote (no pages table) reads as before, read-only; a sync\'s open adds the pages', async () => {
    const file = join(await makeTempDir(), 'old.db')
    const db = IndexDb.open(file)
    db.applyChanges([{ path: 'a', blob: '1', pkg: pkg('alpha') }], [])
    db.close()
    const raw = new Database(file)
    raw.exec("DROP TABLE list_pages; DELETE FROM meta WHERE key LIKE 'summary_%'")
    raw.close()
    const reader = IndexDb.open(file, { readonly: true })
    expect(reader.summaryText('old')).toBeUndefined()
    expect(live(reader, 'old')).toBe('old/core/alpha 1.0.0\n    the alpha package\n')
    reader.close()
    const synced = IndexDb.open(file, { summaryHandle: 'old' })
    expect(stored(synced, 'old')).toBe('old/core/alpha 1.0.0\n    the alpha package\n')
    expect(readFileSync(`${file}.list`, 'utf8')).toEndWith('old/core/alpha 1.0.0\n    the alpha package\n')
    synced.close()
  })

  test('regression: list --all lost one of two definitions of a package when a page of rows ended between them', () => {
    const db = IndexDb.open(':memory:')
    // 2,000 rows a page: rows 1,999 and 2,000 (0-based 1998, 1999) share a name, and so do 3,999 to 4,002.
    const names = Array.from({ length: 4500 }, (_, i) => `n${String(i).padStart(5, '0')}`)
    names[1999] = names[1998]!
    for (let i = 3999; i < 4002; i++) names[i] = names[3998]!
    db.applyChanges(names.map((name, i) => ({ path: `p${i}`, blob: '1', pkg: pkg(name) })), [])
    const listed = [...db.summaryPages()].flat()
    expect(listed.length).toBe(4500)
    expect(listed.filter((r) => r.name === names[1998]).length).toBe(2)
    expect(listed.filter((r) => r.name === names[3998]).length).toBe(4)
    db.close()
  })

  test('an index that is not this run\'s own (the host\'s, read under --root) is read from its pages and left as it was', async () => {
    const { file, db } = await syncedWith('alpha', 'beta')
    db.close()
    const host = IndexDb.open(file, { readonly: true, foreign: true })
    expect(source(host, 'main')).toBe('pages')
    expect(stored(host, 'main')).toBe(live(host, 'main'))
    expect(readdirSync(dirname(file)).sort()).toEqual(['main.db'])
    host.close()
  })

  test('a listing waiting on a slow reader (a pager) holds no lock: a sync commits meanwhile', async () => {
    const file = join(await makeTempDir(), 'main.db')
    const writer = IndexDb.open(file, { summaryHandle: 'main' })
    writer.applyChanges(Array.from({ length: 200 * PAGE_ROWS }, (_, i) => ({ path: `a${i}`, blob: '1', pkg: pkg(`a${i}`) })), [])
    writer.close()
    const reader = IndexDb.open(file, { readonly: true })
    const pieces = reader.summaryText('main')![Symbol.iterator]()
    expect(pieces.next().done).toBe(false) // the listing has begun and waits for its reader
    const sync = IndexDb.open(file, { summaryHandle: 'main' })
    sync.db.exec('PRAGMA busy_timeout = 0') // a lock held by the reader would fail this write at once
    expect(() => sync.applyChanges([{ path: 'z', blob: '1', pkg: pkg('zzz') }], [])).not.toThrow()
    sync.close()
    pieces.return?.()
    reader.close()
  })

  test('a listing abandoned half way (a closed pipe, an error) leaves no file; one killed half way is swept by the next', async () => {
    const dir = await makeTempDir()
    const file = join(dir, 'main.db')
    const db = IndexDb.open(file, { summaryHandle: 'main' })
    db.applyChanges(Array.from({ length: 10 * PAGE_ROWS }, (_, i) => ({ path: `a${i}`, blob: '1', pkg: pkg(`a${i}`) })), [])
    const pieces = db.summaryText('main')![Symbol.iterator]()
    expect(pieces.next().done).toBe(false)
    pieces.return?.()
    expect(readdirSync(dir).sort()).toEqual(['main.db'])
    // A listing killed half way leaves its temp file: the next listing that writes the file sweeps it.
    writeFileSync(join(dir, 'main.db.list.tmp-999999999'), 'half')
    expect(stored(db, 'main')).toBe(live(db, 'main'))
    expect(readdirSync(dir).sort()).toEqual(['main.db', 'main.db.list'])
    db.close()
  })

  test('an empty index has an empty text', async () => {
    const file = join(await makeTempDir(), 'empty.db')
    const db = IndexDb.open(file, { summaryHandle: 'empty' })
    expect(stored(db, 'empty')).toBe('')
    db.close()
  })
})
