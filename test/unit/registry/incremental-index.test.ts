import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { IndexDb } from '../../../src/registry/index-db.ts'
import { indexRegistry, type IndexSource } from '../../../src/registry/indexer.ts'
import { diffDefinitionBlobs, forgetCache, listDefinitionBlobs, readBlob } from '../../../src/registry/git-read.ts'
import { commitChanges, headOf, makeGitRepo, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const LINUX = { os: 'linux', arch: 'amd64' } as const
const def = (name: string, version: string, extra = '') =>
  `${extra}metadata({ name = "${name}", repo = "core", versions = { stable = "${version}" }, description = "the ${name} package", tags = { "t-${name}" }, provides = { "v-${name}" } })
dependencies({ runtime = { "zoi:base@>=1", "native:zlib" } })\n`

/** Everything an index holds, without row ids (which differ between an update and a rebuild). */
function dump(db: IndexDb): unknown {
  const all = (sql: string) => db.db.query(sql).all()
  db.db.exec("INSERT INTO packages_fts(packages_fts) VALUES ('integrity-check')")
  return {
    definitions: all('SELECT path, blob, error FROM definitions ORDER BY path'),
    packages: all('SELECT * FROM packages ORDER BY path').map((r) => ({ ...(r as object), id: undefined })),
    versions: all('SELECT p.path, v.version, v.channel FROM versions v JOIN packages p ON p.id = v.package_id ORDER BY 1, 2, 3'),
    dependencies: all('SELECT p.path, d.kind, d.grp, d.raw FROM dependencies d JOIN packages p ON p.id = d.package_id ORDER BY 1, d.rowid'),
    provides: all('SELECT p.path, v.name FROM provides v JOIN packages p ON p.id = v.package_id ORDER BY 1, 2'),
    fts: all("SELECT p.path FROM packages_fts f JOIN packages p ON p.id = f.rowid WHERE packages_fts MATCH 'package' ORDER BY 1"),
    head: db.getMeta('head'),
  }
}

async function index(db: IndexDb, source: IndexSource, head: string) {
  return await indexRegistry({ db, source, target: LINUX, meta: { head, platform: 'linux-amd64' } })
}

describe('re-indexing from a tree diff gives the same index as a full rebuild', () => {
  let repo: string
  let head: string
  const live = IndexDb.open(':memory:')

  /** Commits the change, indexes it incrementally into `live`, and compares with a fresh full index. */
  async function step(files: Record<string, string>, deletions: string[] = [], pack = false) {
    const before = head
    head = await commitChanges(repo, files, deletions)
    if (pack) {
      await runGit(repo, ['gc', '-q'])
      forgetCache(repo)
    }
    const diff = await diffDefinitionBlobs(repo, before, head)
    const r = await index(live, { blobs: diff.blobs, folders: diff.folders, readBlob: (oid) => readBlob(repo, oid) }, head)
    const full = IndexDb.open(':memory:')
    await index(full, { blobs: await listDefinitionBlobs(repo, head), readBlob: (oid) => readBlob(repo, oid) }, head)
    expect(dump(live)).toEqual(dump(full))
    full.close()
    return { ...r, diff }
  }

  beforeAll(async () => {
    repo = await makeGitRepo({
      'repo.yaml': 'name: Inc\n',
      'core/a/a.pkg.lua': def('a', '1.0.0'),
      'core/b/b.pkg.lua': def('b', '1.0.0'),
      'core/c/c.pkg.lua': def('c', 'V', 'INCLUDE("common.lua")\n').replace('"V"', 'V'),
      'core/c/common.lua': 'V = "1.0.0"\n',
      'extra/d/d.pkg.lua': def('d', '1.0.0'),
      'core/broken/broken.pkg.lua': 'metadata({ name = ',
    })
    head = await headOf(repo)
    await index(live, { blobs: await listDefinitionBlobs(repo, head), readBlob: (oid) => readBlob(repo, oid) }, head)
  })

  test('a changed definition: only its folder is listed and evaluated', async () => {
    const r = await step({ 'core/a/a.pkg.lua': def('a', '1.1.0') })
    expect([...r.diff.folders]).toEqual(['core/a'])
    expect(r.evaluated).toBe(1)
    expect(live.packagesByName('a')[0]!.channels).toEqual({ stable: '1.1.0' })
  })

  test('an added definition', async () => {
    const r = await step({ 'core/e/e.pkg.lua': def('e', '2.0.0') })
    expect(r.evaluated).toBe(1)
    expect(live.packagesByName('e')).toHaveLength(1)
  })

  test('a removed definition loses its rows (and its folder)', async () => {
    const r = await step({}, ['core/b/b.pkg.lua'])
    expect(r.removed).toBe(1)
    expect(live.packagesByName('b')).toEqual([])
    expect(live.providersOf('v-b')).toEqual([])
  })

  test('a renamed definition (moved to another repo folder)', async () => {
    await runGit(repo, ['mv', 'extra/d', 'core/d'])
    const r = await step({})
    expect(r.removed).toBe(1)
    expect(live.packagesByName('d').map((p) => p.path)).toEqual(['core/d/d.pkg.lua'])
  })

  test('a changed repo.yaml re-evaluates nothing', async () => {
    const r = await step({ 'repo.yaml': 'name: Inc\ndescription: changed\n' })
    expect(r.evaluated).toBe(0)
  })

  test('a changed INCLUDE file re-evaluates the definition beside it (from a packed repository)', async () => {
    const r = await step({ 'core/c/common.lua': 'V = "3.0.0"\n' }, [], true)
    expect(r.evaluated).toBe(1)
    expect(live.packagesByName('c')[0]!.channels).toEqual({ stable: '3.0.0' })
  })

  test('a broken definition fixed, and a good one broken, swap their error rows', async () => {
    const r = await step({ 'core/broken/broken.pkg.lua': def('broken', '1.0.0'), 'core/e/e.pkg.lua': 'metadata(' })
    expect(r.errors.map((e) => e.path)).toEqual(['core/e/e.pkg.lua'])
  })

  test('several steps at once (the index is behind by more than one commit)', async () => {
    const from = head
    await commitChanges(repo, { 'core/f/f.pkg.lua': def('f', '1.0.0') })
    await commitChanges(repo, {}, ['core/a/a.pkg.lua'])
    head = await commitChanges(repo, { 'core/f/f.pkg.lua': def('f', '1.0.1') })
    const diff = await diffDefinitionBlobs(repo, from, head)
    await index(live, { blobs: diff.blobs, folders: diff.folders, readBlob: (oid) => readBlob(repo, oid) }, head)
    const full = IndexDb.open(':memory:')
    await index(full, { blobs: await listDefinitionBlobs(repo, head), readBlob: (oid) => readBlob(repo, oid) }, head)
    expect(dump(live)).toEqual(dump(full))
  })
})
