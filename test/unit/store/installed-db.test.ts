import { afterEach, beforeEach, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ZoiError } from '../../../src/errors.ts'
import { InstalledDb, type OwnedFile, type PackageRecord } from '../../../src/store/index.ts'

let db: InstalledDb
beforeEach(() => {
  db = InstalledDb.open(':memory:')
})
afterEach(() => db.close())

function pkg(name: string, extra: Partial<PackageRecord> = {}): PackageRecord {
  return {
    handle: 'zoidberg', repo: 'core', name, version: '1.0', revision: '1', platform: 'linux-amd64', reason: 'direct',
    subs: [], bins: [], backup: [], dependencies: [], provides: [], conflicts: [], replaces: [],
    installMethod: 'pre-compiled', archiveSha512: null, installedSize: 10, txid: `tx-${name}-${extra.version ?? '1.0'}-${extra.handle ?? ''}`, ...extra,
  }
}

const file = (kind: OwnedFile['kind'], path: string, type: OwnedFile['type'] = 'file'): OwnedFile => ({ kind, path, type, created: type === 'dir', hash: null })

test('records a package and its files; list and get read them back', () => {
  const row = db.commitInstall(pkg('hello', { bins: ['hello'], dependencies: ['zoi:libc'] }), [file('bin', 'hello', 'link'), file('usrroot', 'etc/hello.conf')])
  expect(row).toMatchObject({ name: 'hello', version: '1.0', bins: ['hello'], dependencies: ['zoi:libc'], pinned: null, installedSize: 10 })
  expect(row.installedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
  expect(db.list().map((p) => p.name)).toEqual(['hello'])
  expect(db.get('hello')?.id).toBe(row.id)
  expect(db.get('nope')).toBeUndefined()
  expect(db.filesOf('hello').map((f) => `${f.kind}:${f.path}`)).toEqual(['bin:hello', 'usrroot:etc/hello.conf'])
  expect(db.ownersAt({ kind: 'usrroot', path: 'etc/hello.conf' }).map((p) => p.name)).toEqual(['hello'])
  expect(db.hasTransaction(row.txid)).toBe(true)
})

test('a reinstall replaces the row and its files in one go, keeping the pin and a direct reason', () => {
  db.commitInstall(pkg('hello'), [file('usrroot', 'old')])
  db.setPinned('hello', '1.0')
  const row = db.commitInstall(pkg('hello', { version: '2.0', reason: 'dependency' }), [file('usrroot', 'new')])
  expect(row).toMatchObject({ version: '2.0', pinned: '1.0', reason: 'direct' })
  expect(db.list()).toHaveLength(1)
  expect(db.filesOf('hello').map((f) => f.path)).toEqual(['new'])
  expect(db.setPinned('hello', null).pinned).toBeNull()
  expect(db.get('hello')?.pinned).toBeNull()
})

test('setPinned on a package that is not installed is exit 3', () => {
  expect(() => db.setPinned('ghost', '1')).toThrow("package 'ghost' is not installed")
})

test('the same name from two registries needs a handle', () => {
  db.commitInstall(pkg('vim'), [])
  db.commitInstall(pkg('vim', { handle: 'other' }), [])
  let err: unknown
  try {
    db.get('vim')
  } catch (e) {
    err = e
  }
  expect((err as ZoiError).code).toBe('USAGE')
  expect((err as ZoiError).message).toBe("'vim' is installed more than once: #other@core/vim, #zoidberg@core/vim")
  expect(db.get('vim', { handle: 'other' })?.handle).toBe('other')
})

test('dependentsOf reads the package name out of zoi dependency strings only', () => {
  db.commitInstall(pkg('openssl'), [])
  db.commitInstall(pkg('curl', { dependencies: ['zoi:openssl@^3', 'native:zlib'] }), [])
  db.commitInstall(pkg('wget', { dependencies: ['openssl>=3:for https'] }), [])
  db.commitInstall(pkg('git', { dependencies: ['zoi:@core/openssl'] }), [])
  db.commitInstall(pkg('zlib-user', { dependencies: ['native:openssl'] }), [])
  expect(db.dependentsOf('openssl').map((p) => p.name)).toEqual(['curl', 'git', 'wget'])
  expect(db.dependentsOf('zlib')).toEqual([])
})

test('a folder created by one package passes to the others listing it when it leaves', () => {
  const a = db.commitInstall(pkg('a'), [file('usrroot', 'etc/shared', 'dir'), file('usrroot', 'etc/shared/a')])
  db.commitInstall(pkg('b'), [{ ...file('usrroot', 'etc/shared', 'dir'), created: false }, file('usrroot', 'etc/shared/b')])
  db.commitRemoval(a)
  expect(db.filesOf('b').find((f) => f.type === 'dir')).toMatchObject({ path: 'etc/shared', created: true })
  expect(db.list().map((p) => p.name)).toEqual(['b'])
})

test('a db from before the file-check and history tables gains them when it opens, its packages kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zoi-olddb-'))
  try {
    const file = join(dir, 'local.db')
    const old = new Database(file, { create: true })
    old.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); CREATE TABLE transactions (txid TEXT PRIMARY KEY);')
    old.exec("INSERT INTO transactions(txid) VALUES ('t-old')")
    old.close()
    const db = InstalledDb.open(file)
    const tables = (db.db.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name)
    expect(tables).toEqual(expect.arrayContaining(['packages', 'files', 'file_checks', 'history', 'notes']))
    expect(db.hasCommitted('t-old')).toBe(true)
    db.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
