import { expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { IndexDb } from '../../../src/registry/index-db.ts'
import { indexRegistry, repoOfPath, type IndexSource } from '../../../src/registry/indexer.ts'

const LINUX = { os: 'linux', arch: 'amd64' } as const

/** An in-memory checkout: blob oid = sha1 of the content, like git's (near enough for the test). */
function source(files: Record<string, string>): IndexSource & { reads: string[] } {
  const byOid = new Map<string, string>()
  const blobs = new Map<string, string>()
  for (const [p, text] of Object.entries(files)) {
    const oid = createHash('sha1').update(text).digest('hex')
    byOid.set(oid, text)
    blobs.set(p, oid)
  }
  const reads: string[] = []
  return { blobs, reads, readBlob: async (oid) => (reads.push(oid), new TextEncoder().encode(byOid.get(oid)!)) }
}

const hello = (v: string) => `metadata({ name = "hello", version = "${v}", description = "hi", bins = { "hello" } })
dependencies({ runtime = { "zoi:libgreet@^1", "native:zlib" }, build = { types = { source = { required = { "zoi:make" } } } } })`

test('indexes definitions, records errors per file, and re-evaluates only what changed', async () => {
  const db = IndexDb.open(':memory:')
  const first = source({
    'repo.yaml': 'name: t',
    'core/hello/hello.pkg.lua': hello('1.0.0'),
    'core/tools/lib/libgreet/libgreet.pkg.lua': 'metadata({ name = "libgreet", versions = { stable = "1.2.0" } })',
    'extra/broken/broken.pkg.lua': 'metadata({ name = ',
  })
  const r1 = await indexRegistry({ db, source: first, target: LINUX, meta: { head: 'c1' } })
  expect(r1.packages).toBe(2)
  expect(r1.evaluated).toBe(3)
  expect(r1.errors).toHaveLength(1)
  expect(r1.errors[0]!.path).toBe('extra/broken/broken.pkg.lua')
  expect(r1.errors[0]!.error).toStartWith('extra/broken/broken.pkg.lua')
  const [h] = db.packagesByName('hello')
  expect(h!.repo).toBe('core')
  expect(h!.dependencies).toEqual([
    { kind: 'runtime', group: 'required', raw: 'zoi:libgreet@^1' },
    { kind: 'runtime', group: 'required', raw: 'native:zlib' },
    { kind: 'build', group: 'type:source:required', raw: 'zoi:make' },
  ])
  expect(db.packagesByName('libgreet')[0]!.repo).toBe('core/tools/lib')
  expect(db.getMeta('head')).toBe('c1')

  // Second sync: one definition changed, one removed, nothing else is read or evaluated.
  const second = source({
    'repo.yaml': 'name: t',
    'core/hello/hello.pkg.lua': hello('1.1.0'),
    'core/tools/lib/libgreet/libgreet.pkg.lua': 'metadata({ name = "libgreet", versions = { stable = "1.2.0" } })',
  })
  const r2 = await indexRegistry({ db, source: second, target: LINUX })
  expect(r2.evaluated).toBe(1)
  expect(r2.removed).toBe(1)
  expect(second.reads).toHaveLength(1)
  expect(db.packagesByName('hello')[0]!.version).toBe('1.1.0')
  expect(r2.errors).toEqual([])

  // No change at all: nothing evaluated.
  const r3 = await indexRegistry({ db, source: second, target: LINUX })
  expect(r3.evaluated).toBe(0)
})

test('a changed INCLUDE file re-evaluates the definitions beside it', async () => {
  const db = IndexDb.open(':memory:')
  const def = 'INCLUDE("common.lua")\nmetadata({ name = "x", version = V })'
  await indexRegistry({ db, source: source({ 'core/x/x.pkg.lua': def, 'core/x/common.lua': 'V = "1.0.0"' }), target: LINUX })
  expect(db.packagesByName('x')[0]!.version).toBe('1.0.0')
  const r = await indexRegistry({ db, source: source({ 'core/x/x.pkg.lua': def, 'core/x/common.lua': 'V = "2.0.0"' }), target: LINUX })
  expect(r.evaluated).toBe(1)
  expect(db.packagesByName('x')[0]!.version).toBe('2.0.0')
})

test('SYSTEM.OS branches are evaluated for the target platform', async () => {
  const def = 'local b = "tool"\nif SYSTEM.OS == "windows" then b = "tool.exe" end\nmetadata({ name = "tool", version = "1.0.0", bins = { b } })'
  const win = IndexDb.open(':memory:')
  await indexRegistry({ db: win, source: source({ 'core/tool/tool.pkg.lua': def }), target: { os: 'windows', arch: 'amd64' } })
  expect(win.packagesByName('tool')[0]!.bins).toEqual(['tool.exe'])
  const lin = IndexDb.open(':memory:')
  await indexRegistry({ db: lin, source: source({ 'core/tool/tool.pkg.lua': def }), target: LINUX })
  expect(lin.packagesByName('tool')[0]!.bins).toEqual(['tool'])
})

test.each([
  ['core/editors/vim/vim.pkg.lua', 'core/editors'],
  ['core/hello/hello.pkg.lua', 'core'],
  ['hello/hello.pkg.lua', ''],
])('repoOfPath(%p) = %p', (p, repo) => {
  expect(repoOfPath(p)).toBe(repo)
})

test('a definition declaring another package name is an error row, not a second good1', async () => {
  const db = IndexDb.open(':memory:')
  const r = await indexRegistry({
    db,
    source: source({
      'core/good1/good1.pkg.lua': 'metadata({ name = "good1", version = "1.0.0" })',
      'core/other/other.pkg.lua': 'metadata({ name = "good1", version = "6.6.6" })',
      'core/good1/extra.pkg.lua': 'metadata({ name = "good1", version = "7.7.7" })',
    }),
    target: LINUX,
  })
  expect(db.packagesByName('good1').map((p) => [p.path, p.version])).toEqual([['core/good1/good1.pkg.lua', '1.0.0']])
  expect(r.errors.map((e) => e.path)).toEqual(['core/good1/extra.pkg.lua', 'core/other/other.pkg.lua'])
  expect(r.errors[1]!.error).toBe("core/other/other.pkg.lua: declares name 'good1' but a definition of 'good1' must be core/good1/good1.pkg.lua")
})

test('indexing walks the list of blobs a fixed number of times, not once per definition (was O(N²))', async () => {
  const files: Record<string, string> = {}
  for (let i = 0; i < 60; i++) files[`core/p${i}/p${i}.pkg.lua`] = `metadata({ name = "p${i}", version = "1.0.0" })`
  files['core/p0/common.lua'] = 'X = 1'
  const src = source(files)
  let walks = 0
  const blobs = src.blobs
  const counted = new (class extends Map<string, string> {
    override [Symbol.iterator]() {
      walks++
      return super[Symbol.iterator]()
    }
    override entries() {
      walks++
      return super.entries()
    }
    override keys() {
      walks++
      return super.keys()
    }
  })(blobs)
  walks = 0
  const r = await indexRegistry({ db: IndexDb.open(':memory:'), source: { ...src, blobs: counted }, target: LINUX })
  expect(r.packages).toBe(60)
  expect(walks).toBeLessThan(5)
  // Each definition's blob is read once; the shared helper file once per definition of its folder.
  expect(src.reads.length).toBe(61)
})
