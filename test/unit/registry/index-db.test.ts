import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { copyFileSync, existsSync } from 'node:fs'
import { Database } from 'bun:sqlite'
import { IndexDb, type IndexedPackage } from '../../../src/registry/index-db.ts'
import { chooseDefaultVersion, defaultVersionOf, toCandidates } from '../../../src/registry/catalog.ts'
import { makeTempDir } from '../../support/run-cli.ts'
import { indexedPackage } from '../../support/indexed-package.ts'

const pkg = indexedPackage

describe('definitions and packages', () => {
  test('applyChanges stores packages, versions, channels and dependencies', () => {
    const db = IndexDb.open(':memory:')
    db.applyChanges([
      { path: 'core/vim/vim.pkg.lua', blob: 'b1', pkg: pkg('vim', { bins: ['vim', 'vimdiff'], channels: { stable: '9.1.0', beta: '9.2.0-rc1' }, dependencies: [{ kind: 'runtime', group: 'required', raw: 'zoi:ncurses@^6' }] }) },
      { path: 'core/bad/bad.pkg.lua', blob: 'b2', error: 'core/bad/bad.pkg.lua:3: boom' },
    ], [], { head: 'abc' })
    expect(db.packageCount()).toBe(1)
    const [vim] = db.packagesByName('vim')
    expect(vim!.bins).toEqual(['vim', 'vimdiff'])
    expect(vim!.channels).toEqual({ stable: '9.1.0', beta: '9.2.0-rc1' })
    expect(vim!.dependencies).toEqual([{ kind: 'runtime', group: 'required', raw: 'zoi:ncurses@^6' }])
    expect(db.versionsOf(vim!.id)).toContainEqual({ version: '1.0.0', channel: '' })
    expect(db.definitionErrors()).toEqual([{ path: 'core/bad/bad.pkg.lua', error: 'core/bad/bad.pkg.lua:3: boom' }])
    expect(db.getMeta('head')).toBe('abc')
    expect(db.definitionBlobs()).toEqual(new Map([['core/vim/vim.pkg.lua', 'b1'], ['core/bad/bad.pkg.lua', 'b2']]))
  })

  test('a changed definition replaces its rows; a removed one disappears from search', () => {
    const db = IndexDb.open(':memory:')
    db.applyChanges([{ path: 'a/a.pkg.lua', blob: '1', pkg: pkg('alpha', { description: 'first' }) }, { path: 'b/b.pkg.lua', blob: '1', pkg: pkg('beta') }], [])
    db.applyChanges([{ path: 'a/a.pkg.lua', blob: '2', pkg: pkg('alpha', { description: 'second', version: '2.0.0' }) }], ['b/b.pkg.lua'])
    expect(db.packagesByName('alpha').map((p) => [p.description, p.version])).toEqual([['second', '2.0.0']])
    expect(db.search('beta')).toEqual([])
    expect(db.search('second').map((p) => p.name)).toEqual(['alpha'])
    expect(db.search('first')).toEqual([])
  })

  test('search: FTS prefix on description/tags/bins plus substring on the name', () => {
    const db = IndexDb.open(':memory:')
    db.applyChanges([
      { path: '1', blob: '1', pkg: pkg('neovim', { description: 'Vim-fork focused on extensibility', tags: ['editor'] }) },
      { path: '2', blob: '1', pkg: pkg('ripgrep', { bins: ['rg'], description: 'fast grep' }) },
      { path: '3', blob: '1', pkg: pkg('htop', { tags: ['monitor'] }) },
    ], [])
    expect(db.search('edit').map((p) => p.name)).toEqual(['neovim'])
    expect(db.search('rg').map((p) => p.name)).toEqual(['ripgrep'])
    expect(db.search('ovi').map((p) => p.name)).toEqual(['neovim'])
    expect(db.search('grep').map((p) => p.name)).toEqual(['ripgrep'])
    expect(db.search('nothing-like-this')).toEqual([])
    expect(db.search('"; DROP TABLE packages; --')).toEqual([])
    expect(db.packageCount()).toBe(3)
  })

  test('search: the name substring match is case-blind and takes % _ \\ literally', () => {
    const db = IndexDb.open(':memory:')
    db.applyChanges(['lib_foo', 'libxfoo', 'Vim-Tiny', '100%sure', 'back\\slash'].map((n, i) => ({ path: `${i}`, blob: `${i}`, pkg: pkg(n) })), [])
    const names = (term: string) => db.search(term).map((p) => p.name)
    expect(names('b_f')).toEqual(['lib_foo'])
    expect(names('IM-t')).toEqual(['Vim-Tiny'])
    expect(names('0%s')).toEqual(['100%sure'])
    expect(names('k\\s')).toEqual(['back\\slash'])
    expect(names('%')).toEqual(['100%sure'])
  })

  test('a write of most of the index (a first sync) fills search in one pass at the end; smaller writes after it keep search in step row by row', () => {
    const file = join(makeTempDir(), 'bulk.db')
    const many = (from: number, to: number, word: string) =>
      Array.from({ length: to - from }, (_, k) => ({ path: `core/p${from + k}/p${from + k}.pkg.lua`, blob: word, pkg: pkg(`p${from + k}`, { description: `${word} package` }) }))
    const triggers = () => {
      const raw = new Database(file, { readonly: true })
      const names = (raw.query("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'packages_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name)
      raw.close()
      return names
    }
    const names = (db: IndexDb, term: string) => db.search(term).map((p) => p.name).sort()
    let db = IndexDb.open(file)
    db.applyChanges(many(0, 20, 'walrus'), []) // a new index: the bulk path
    expect(names(db, 'walrus')).toHaveLength(20)
    expect(names(db, 'p1')).toEqual(['p1', 'p10', 'p11', 'p12', 'p13', 'p14', 'p15', 'p16', 'p17', 'p18', 'p19'])
    db.close()
    expect(triggers()).toEqual(['packages_ad', 'packages_ai'])

    db = IndexDb.open(file)
    db.applyChanges(many(0, 2, 'narwhal'), ['core/p19/p19.pkg.lua']) // 3 of 20 rows: row by row
    expect(names(db, 'narwhal')).toEqual(['p0', 'p1'])
    expect(names(db, 'walrus')).toHaveLength(17)
    expect(names(db, 'p19')).toEqual([])
    db.applyChanges(many(2, 14, 'octopus'), ['core/p18/p18.pkg.lua']) // 13 of 19 rows: bulk again
    expect(names(db, 'octopus')).toHaveLength(12)
    expect(names(db, 'walrus')).toEqual(['p14', 'p15', 'p16', 'p17'])
    expect(names(db, 'narwhal')).toEqual(['p0', 'p1'])
    expect(names(db, 'p1')).toEqual(['p1', 'p10', 'p11', 'p12', 'p13', 'p14', 'p15', 'p16', 'p17'])
    db.applyChanges(many(20, 21, 'squid'), []) // row by row, through the triggers the bulk write put back
    expect(names(db, 'squid')).toEqual(['p20'])
    expect(names(db, 'p2')).toEqual(['p2', 'p20'])
    db.close()
    expect(triggers()).toEqual(['packages_ad', 'packages_ai'])
  })

  test('providers of a virtual name', () => {
    const db = IndexDb.open(':memory:')
    db.applyChanges([{ path: '1', blob: '1', pkg: pkg('openssl', { provides: ['ssl'] }) }, { path: '2', blob: '1', pkg: pkg('libressl', { provides: ['ssl'] }) }], [])
    expect(db.providersOf('ssl').map((p) => p.name)).toEqual(['libressl', 'openssl'])
  })
})

describe('archive facts', () => {
  test('stored, searched by file path, and kept when a later sync knows less', () => {
    const db = IndexDb.open(':memory:')
    db.setArchiveFacts([{ name: 'vim', repo: 'core', version: '9.1.0', platform: 'linux-amd64', sha512: 'a'.repeat(128), downSize: 10, installSize: 30, files: ['data/pkgstore/bin/vim', 'data/pkgstore/share/vim/syntax/c.vim'] }])
    // An offline sync learns nothing new: it must not erase what an online sync stored.
    db.setArchiveFacts([{ name: 'vim', repo: 'core', version: '9.1.0', platform: 'linux-amd64' }])
    const f = db.archiveFacts('core', 'vim', '9.1.0', 'linux-amd64')!
    expect(f.sha512).toBe('a'.repeat(128))
    expect(f.downSize).toBe(10)
    expect(f.files).toEqual(['data/pkgstore/bin/vim', 'data/pkgstore/share/vim/syntax/c.vim'])
    expect(db.searchFiles('syntax').map((r) => r.path)).toEqual(['data/pkgstore/share/vim/syntax/c.vim'])
    expect(db.searchFiles('bin/vim').map((r) => r.name)).toEqual(['vim'])
  })
})

test('a copied index file works elsewhere (no absolute paths)', () => {
  const dir = makeTempDir()
  const db = IndexDb.open(join(dir, 'example.db'))
  db.applyChanges([{ path: 'core/hello/hello.pkg.lua', blob: 'x', pkg: pkg('hello') }], [])
  db.db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  db.close()
  const other = makeTempDir()
  copyFileSync(join(dir, 'example.db'), join(other, 'example.db'))
  const copy = IndexDb.open(join(other, 'example.db'), { readonly: true })
  expect(copy.packagesByName('hello')[0]!.path).toBe('core/hello/hello.pkg.lua')
  const dump = JSON.stringify(copy.db.query("SELECT * FROM packages").all())
  expect(dump).not.toContain(dir)
  copy.close()
})

test('failed definitions are listed from a partial index; an index written before it gets it at its next writable open', () => {
  const file = join(makeTempDir(), 'idx.db')
  const db = IndexDb.open(file)
  db.applyChanges([
    { path: 'core/ok/ok.pkg.lua', blob: 'b1', pkg: pkg('ok') },
    { path: 'core/z/z.pkg.lua', blob: 'b2', error: 'core/z/z.pkg.lua:1: z' },
    { path: 'core/a/a.pkg.lua', blob: 'b3', error: 'core/a/a.pkg.lua:1: a' },
  ], [])
  db.close()
  const raw = new Database(file)
  raw.exec('DROP INDEX definitions_errors')
  raw.close()
  const old = IndexDb.open(file, { readonly: true })
  const errors = [{ path: 'core/a/a.pkg.lua', error: 'core/a/a.pkg.lua:1: a' }, { path: 'core/z/z.pkg.lua', error: 'core/z/z.pkg.lua:1: z' }]
  expect(old.definitionErrors()).toEqual(errors)
  old.close()
  const again = IndexDb.open(file)
  const plan = again.db.query("EXPLAIN QUERY PLAN SELECT path, error FROM definitions WHERE error IS NOT NULL ORDER BY path").all() as { detail: string }[]
  expect(plan.map((p) => p.detail).join(' ')).toContain('definitions_errors')
  expect(again.definitionErrors()).toEqual(errors)
  again.close()
})

test.each([
  ['an index', 'DROP INDEX packages_name', 'packages_name'],
  ['a trigger', 'DROP TRIGGER packages_ai', 'packages_ai'],
  ['a table', 'DROP TABLE list_pages', 'list_pages'],
])('a writable open of an index missing %s makes it again (a current index is opened without running the schema)', (_kind, drop, name) => {
  const file = join(makeTempDir(), 'idx.db')
  const db = IndexDb.open(file, { summaryHandle: 'core' })
  db.applyChanges([{ path: 'core/ok/ok.pkg.lua', blob: 'b1', pkg: pkg('ok') }], [])
  db.close()
  const raw = new Database(file)
  raw.exec(drop)
  raw.close()
  const again = IndexDb.open(file, { summaryHandle: 'core' })
  expect(again.db.query('SELECT count(*) AS n FROM sqlite_master WHERE name = ?').get(name)).toEqual({ n: 1 })
  // The trigger is live again: a new package is found by search.
  again.applyChanges([{ path: 'core/newer/newer.pkg.lua', blob: 'b2', pkg: pkg('newer') }], [])
  expect(again.search('newer').map((p) => p.name)).toEqual(['newer'])
  again.close()
})

describe('journal modes', () => {
  const mode = (file: string) => {
    const raw = new Database(file, { readonly: true })
    try {
      return (raw.query('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode
    } finally {
      raw.close()
    }
  }

  test('a writable open that only reads switches nothing and leaves no -wal file (a sync whose index is current)', () => {
    const file = join(makeTempDir(), 'idx.db')
    IndexDb.open(file).close()
    const db = IndexDb.open(file)
    expect(db.getMeta('head')).toBeUndefined()
    expect(existsSync(`${file}-wal`)).toBe(false)
    db.close()
    expect(mode(file)).toBe('delete')
  })

  const definitions = (n: number, release: string) =>
    Array.from({ length: n }, (_, i) => ({ path: `core/p${i}/p${i}.pkg.lua`, blob: `b${i}-${release}`, pkg: pkg(`p${i}`, { version: `1.0.${release}` }) }))

  test('the first write into a new index needs no WAL (nobody read it before), even a large one', () => {
    const file = join(makeTempDir(), 'idx.db')
    const db = IndexDb.open(file)
    db.applyChanges(definitions(500, '0'), [], { head: 'abc' })
    expect(existsSync(`${file}-wal`)).toBe(false)
    expect(mode(file)).toBe('delete')
    db.close()
    const reader = IndexDb.open(file, { readonly: true })
    expect(reader.packageCount()).toBe(500)
    reader.close()
  })

  test('a large write goes through WAL and the file is back in rollback mode after close; one left in WAL by a writer that never closed is put back', () => {
    const file = join(makeTempDir(), 'idx.db')
    IndexDb.open(file).close()
    const db = IndexDb.open(file)
    db.applyChanges(definitions(500, '0'), [], { head: 'abc' })
    expect(existsSync(`${file}-wal`)).toBe(true)
    db.close()
    expect(mode(file)).toBe('delete')
    expect(existsSync(`${file}-wal`)).toBe(false)
    const crashed = IndexDb.open(file)
    crashed.applyChanges(definitions(500, '1'), [], { head: 'def' })
    crashed.db.close() // as if killed: no switch back
    expect(mode(file)).toBe('wal')
    const next = IndexDb.open(file)
    expect(next.getMeta('head')).toBe('def')
    expect(next.packageCount()).toBe(500)
    next.close()
    expect(mode(file)).toBe('delete')
  })

  test('a small write (a re-sync of a few definitions) commits in rollback-journal mode: no -wal file, no switch', () => {
    const file = join(makeTempDir(), 'idx.db')
    const first = IndexDb.open(file)
    first.applyChanges(definitions(500, '0'), [], { head: 'abc' })
    first.close()
    const db = IndexDb.open(file)
    db.applyChanges(definitions(10, '1'), ['core/p499/p499.pkg.lua'], { head: 'def' })
    db.setMeta('note', 'x')
    expect(existsSync(`${file}-wal`)).toBe(false)
    expect(mode(file)).toBe('delete')
    db.close()
    const again = IndexDb.open(file, { readonly: true })
    expect(again.getMeta('head')).toBe('def')
    expect(again.packageCount()).toBe(499)
    expect(again.packagesByName('p3')[0]!.version).toBe('1.0.1')
    again.close()
  })
})

test('a corrupt index file is an integrity error with a hint', async () => {
  const dir = makeTempDir()
  const file = join(dir, 'broken.db')
  await Bun.write(file, 'this is not sqlite at all, just some junk bytes '.repeat(100))
  let err: unknown
  try {
    IndexDb.open(file)
  } catch (e) {
    err = e
  }
  expect(String((err as Error).message)).toContain(`registry index ${file} is not a SQLite database`)
  expect((err as { exitCode: number }).exitCode).toBe(6)
})

describe('queries over many packages use a fixed number of SQL statements (was two per package)', () => {
  const db = IndexDb.open(':memory:')
  db.applyChanges(
    Array.from({ length: 80 }, (_, i) => ({
      path: `core/p${i}/p${i}.pkg.lua`,
      blob: `b${i}`,
      pkg: pkg(`p${i}`, { channels: { stable: '1.0.0', beta: '2.0.0-b' }, dependencies: [{ kind: 'runtime', group: 'required', raw: `zoi:p${i + 1}` }] }),
    })),
    [],
  )
  const counting = () => {
    let n = 0
    const query = db.db.query.bind(db.db)
    db.db.query = ((sql: string) => (n++, query(sql))) as typeof db.db.query
    return { count: () => n, restore: () => void (db.db.query = query) }
  }

  test('allPackages: channels and dependencies of every row, in three statements', () => {
    const c = counting()
    const rows = db.allPackages()
    c.restore()
    expect(rows).toHaveLength(80)
    expect(rows.find((r) => r.name === 'p7')).toMatchObject({ channels: { stable: '1.0.0', beta: '2.0.0-b' }, dependencies: [{ kind: 'runtime', group: 'required', raw: 'zoi:p8' }] })
    expect(c.count()).toBe(3)
  })

  test('summaryPages (list --all) pages every row through one statement', () => {
    const c = counting()
    const rows = [...db.summaryPages()].flat()
    c.restore()
    expect(rows).toHaveLength(80)
    expect(rows[0]).toEqual({ name: 'p0', repo: 'core', version: '1.0.0', description: 'the p0 package' })
    expect(c.count()).toBe(1)
  })

  test('an index written before default_version existed answers read-only, and a writable open adds the column (was exit 1: no such column)', () => {
    const file = join(makeTempDir(), 'old.db')
    const shapes: Partial<IndexedPackage>[] = [{ version: '1.0.0', channels: {} }, { version: undefined, channels: { beta: '3.0.0-b', alpha: '1.0.0-a' } }]
    const fresh = IndexDb.open(file)
    fresh.applyChanges(shapes.map((shape, i) => ({ path: `core/q${i}/q${i}.pkg.lua`, blob: `q${i}`, pkg: pkg(`q${i}`, shape) })), [])
    const want = [...fresh.summaryPages()].flat()
    expect(want.map((r) => r.version)).toEqual(['1.0.0', '1.0.0-a'])
    // Back to the schema of the previous release: no column, the older covering index.
    fresh.db.exec('DROP INDEX packages_summary; ALTER TABLE packages DROP COLUMN default_version; CREATE INDEX packages_list ON packages(name, repo, version, description)')
    fresh.close()
    const readonly = IndexDb.open(file, { readonly: true })
    expect([...readonly.summaryPages()].flat()).toEqual(want)
    expect(readonly.search('q1').map((p) => p.version)).toEqual(['1.0.0-a'])
    readonly.close()
    const writable = IndexDb.open(file)
    const indexes = (writable.db.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'packages_%'").all() as { name: string }[]).map((r) => r.name)
    expect(indexes).toContain('packages_summary')
    expect(indexes).not.toContain('packages_list')
    expect(writable.db.query('SELECT name, default_version FROM packages ORDER BY name').values()).toEqual([['q0', '1.0.0'], ['q1', '1.0.0-a']])
    expect([...writable.summaryPages()].flat()).toEqual(want)
    writable.close()
  })

  test('summaryPages pages past its page size without losing or repeating a row (same name in two repos at the edges)', () => {
    const big = IndexDb.open(':memory:')
    const changes = []
    for (let i = 0; i < 2600; i++) for (const repo of ['core', 'extra']) {
      changes.push({ path: `${repo}/n${i}/n${i}.pkg.lua`, blob: `${repo}${i}`, pkg: pkg(`n${String(i).padStart(4, '0')}`, { repo }) })
    }
    big.applyChanges(changes, [])
    const got = [...big.summaryPages()].flat().map((r) => `${r.name}/${r.repo}`)
    const want = changes.map((c) => `${c.pkg.name}/${c.pkg.repo}`).sort()
    expect(got).toEqual(want)
  })

  test("summaryPages' version (stored, and computed in SQL for an older index) is defaultVersionOf of the row's version and channels", () => {
    const shapes: Partial<IndexedPackage>[] = [
      { version: '1.0.0', channels: {} },
      { version: undefined, channels: { stable: '2.0.0', beta: '3.0.0-b' } },
      { version: undefined, channels: { nightly: '9.0.0', beta: '3.0.0-b', alpha: '1.0.0-a' } },
      { version: '5.0.0', channels: { zeta: '0.1.0' } },
      { version: '5.0.0', channels: { stable: '4.0.0' } },
    ]
    const file = join(makeTempDir(), 'many.db')
    const many = IndexDb.open(file)
    many.applyChanges(shapes.map((shape, i) => ({ path: `core/q${i}/q${i}.pkg.lua`, blob: `q${i}`, pkg: pkg(`q${i}`, shape) })), [])
    const byName = new Map(many.allPackages().map((r) => [r.name, r]))
    const got = [...many.summaryPages()].flat().map((s) => [s.name, s.version])
    expect(got).toEqual([...byName.values()].map((r) => [r.name, defaultVersionOf(r)]))
    expect(got.map(([, v]) => v)).toEqual(['1.0.0', '2.0.0', '1.0.0-a', '0.1.0', '4.0.0'])
    // The same rule in SQL (what an index older than the stored column answers with).
    many.db.exec('DROP INDEX packages_summary; ALTER TABLE packages DROP COLUMN default_version')
    many.close()
    const old = IndexDb.open(file, { readonly: true })
    expect([...old.summaryPages()].flat().map((s) => [s.name, s.version])).toEqual(got)
    old.close()
    // …and both are what the resolver picks for `install <name>` from the row's candidates.
    for (const r of byName.values()) expect(defaultVersionOf(r)).toBe(chooseDefaultVersion(toCandidates('h', r)))
  })
})
