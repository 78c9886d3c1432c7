import { afterAll, describe, expect, test } from 'bun:test'
import { accessSync, constants, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ZoiError } from '../../../src/errors.ts'
import { layoutFor } from '../../../src/platform/layout.ts'
import { InstalledDb, installArchive, packageDirName } from '../../../src/store/index.ts'
import { catchError, makePackageArchive, primeRoot, record, removeTempDirs, rootLayout, rootSnapshot, snapshot, tempDir, userLayout } from './store-fixtures.ts'

afterAll(removeTempDirs)

const HELLO = { content: '#!/bin/sh\necho hello\n', mode: 0o755 }

async function helloArchive(version = '1.0.0', extra: Record<string, string> = {}) {
  return makePackageArchive({
    name: 'hello',
    version,
    pkgstore: { 'bin/hello': HELLO, 'share/doc/README': `hello ${version}\n`, ...extra },
    usrroot: { 'etc/hello/hello.conf': 'greeting = hi\n' },
  })
}

describe('install into a --root layout', () => {
  test('places the version folder, latest, a relative bin link, usrroot files and the db rows', async () => {
    const { root, layout } = rootLayout()
    const row = await installArchive({ layout, archivePath: await helloArchive(), record: record('hello', '1.0.0', { bins: ['hello'] }) })
    expect(row).toMatchObject({ name: 'hello', version: '1.0.0', handle: 'zoidberg', repo: 'core', reason: 'direct', revision: '1', pinned: null })

    const pkgDir = join(layout.storeDir, '4925502aa093bf050a98ad1f4519a9f5-hello')
    expect(readlinkSync(join(pkgDir, 'latest'))).toBe('1.0.0')
    expect(readFileSync(join(pkgDir, '1.0.0', 'share/doc/README'), 'utf8')).toBe('hello 1.0.0\n')
    expect(readFileSync(join(pkgDir, '1.0.0', 'hello.pkg.lua'), 'utf8')).toContain('metadata(')

    const bin = join(root, 'usr/local/bin/hello')
    const target = readlinkSync(bin)
    expect(target).toBe('../../../var/lib/zoi/pkgs/store/4925502aa093bf050a98ad1f4519a9f5-hello/latest/bin/hello')
    expect(readFileSync(bin, 'utf8')).toContain('echo hello')
    accessSync(bin, constants.X_OK)
    expect(statSync(bin).mode & 0o111).not.toBe(0)
    expect(readFileSync(join(root, 'etc/hello/hello.conf'), 'utf8')).toBe('greeting = hi\n')

    const manifest = parse(readFileSync(join(pkgDir, '1.0.0', 'manifest.yaml'), 'utf8'))
    expect(manifest).toMatchObject({ name: 'hello', version: '1.0.0', revision: '1', repo: 'core', registry: 'zoidberg', reason: 'direct', platform: 'linux-amd64', scope: 'system' })
    expect(manifest.installed_files).toEqual(['${pkgstore}/bin/hello', '${pkgstore}/hello.pkg.lua', '${pkgstore}/share/doc/README', '${usrroot}/etc/hello/hello.conf'])

    const db = InstalledDb.open(layout.installedDb)
    try {
      expect(db.list().map((p) => p.name)).toEqual(['hello'])
      const files = db.filesOf('hello')
      for (const f of files) expect(f.path.startsWith('/')).toBe(false)
      expect(files.filter((f) => f.kind !== 'pkgstore')).toEqual([
        { kind: 'bin', path: 'hello', type: 'link', created: false, hash: null },
        { kind: 'usrroot', path: 'etc', type: 'dir', created: true, hash: null },
        { kind: 'usrroot', path: 'etc/hello', type: 'dir', created: true, hash: null },
        { kind: 'usrroot', path: 'etc/hello/hello.conf', type: 'file', created: false, hash: null },
      ])
      expect(files.filter((f) => f.kind === 'pkgstore').map((f) => f.path)).toContain(`${packageDirName(row)}/latest`)
      expect(db.ownerOf(bin, layout)?.pkg.name).toBe('hello')
    } finally {
      db.close()
    }
    // Nothing is left in the scratch folder.
    expect(snapshot(layout.tmpDir)).toEqual([])
  })

  test('upgrade swaps latest, drops files the new version no longer ships, keeps the bin working', async () => {
    const { root, layout } = rootLayout()
    await installArchive({ layout, archivePath: await helloArchive('1.0.0', { 'share/old.txt': 'old' }), record: record('hello', '1.0.0', { bins: ['hello'] }) })
    const v2 = await makePackageArchive({ name: 'hello', version: '2.0.0', pkgstore: { 'bin/hello': { content: '#!/bin/sh\necho v2\n', mode: 0o755 } }, usrroot: { 'etc/hello/new.conf': 'x' } })
    const row = await installArchive({ layout, archivePath: v2, record: record('hello', '2.0.0', { bins: ['hello'], reason: 'dependency' }) })

    const pkgDir = join(layout.storeDir, packageDirName(row))
    expect(readlinkSync(join(pkgDir, 'latest'))).toBe('2.0.0')
    expect(existsSync(join(pkgDir, '1.0.0'))).toBe(false)
    expect(readFileSync(join(root, 'usr/local/bin/hello'), 'utf8')).toContain('echo v2')
    expect(existsSync(join(root, 'etc/hello/hello.conf'))).toBe(false)
    expect(readFileSync(join(root, 'etc/hello/new.conf'), 'utf8')).toBe('x')
    // An explicitly installed package stays explicit when it is upgraded as a dependency.
    expect(row.reason).toBe('direct')
    const db = InstalledDb.open(layout.installedDb)
    try {
      expect(db.list().map((p) => `${p.name}@${p.version}`)).toEqual(['hello@2.0.0'])
      expect(db.filesOf('hello').some((f) => f.path.includes('1.0.0'))).toBe(false)
    } finally {
      db.close()
    }
    expect(snapshot(layout.tmpDir)).toEqual([])
  })

  test('reinstalling the same version replaces it in place and keeps the pin', async () => {
    const { layout } = rootLayout()
    const archive = await helloArchive()
    await installArchive({ layout, archivePath: archive, record: record('hello', '1.0.0', { bins: ['hello'] }) })
    const db = InstalledDb.open(layout.installedDb)
    db.setPinned('hello', '1.0.0')
    db.close()
    const before = rootSnapshot(layout.root!)
    const row = await installArchive({ layout, archivePath: archive, record: record('hello', '1.0.0', { bins: ['hello'] }) })
    expect(row.pinned).toBe('1.0.0')
    expect(rootSnapshot(layout.root!)).toEqual(before)
  })

  test('split packages: only the selected sub-packages are installed, merged into one version folder', async () => {
    const { layout } = rootLayout()
    const archive = await makePackageArchive({
      name: 'tool',
      version: '1.0',
      subs: { cli: { pkgstore: { 'bin/tool': HELLO } }, docs: { pkgstore: { 'share/doc/tool.md': '# tool' } }, dev: { usrroot: { 'usr/include/tool.h': '' } } },
    })
    await installArchive({ layout, archivePath: archive, record: record('tool', '1.0', { subs: ['cli', 'docs'] }) })
    const version = join(layout.storeDir, `${packageDirName(record('tool', '1.0'))}/1.0`)
    expect(existsSync(join(version, 'bin/tool'))).toBe(true)
    expect(existsSync(join(version, 'share/doc/tool.md'))).toBe(true)
    expect(existsSync(join(layout.root!, 'usr/include/tool.h'))).toBe(false)
  })

  test('a backup file the user edited survives an upgrade; the new one lands as .zoinew', async () => {
    const { root, layout } = rootLayout()
    const conf = (text: string, version: string) => makePackageArchive({ name: 'svc', version, usrroot: { 'etc/svc.conf': text }, pkgstore: { 'conf/defaults.toml': text } })
    const backup = ['${usrroot}/etc/svc.conf', 'conf/defaults.toml']
    await installArchive({ layout, archivePath: await conf('port = 1\n', '1'), record: record('svc', '1', { backup }) })
    writeFileSync(join(root, 'etc/svc.conf'), 'port = 99\n')
    const pkgDir = join(layout.storeDir, packageDirName(record('svc', '1')))
    writeFileSync(join(pkgDir, '1/conf/defaults.toml'), 'mine\n')

    await installArchive({ layout, archivePath: await conf('port = 2\n', '2'), record: record('svc', '2', { backup }) })
    expect(readFileSync(join(root, 'etc/svc.conf'), 'utf8')).toBe('port = 99\n')
    expect(readFileSync(join(root, 'etc/svc.conf.zoinew'), 'utf8')).toBe('port = 2\n')
    expect(readFileSync(join(pkgDir, '2/conf/defaults.toml'), 'utf8')).toBe('mine\n')
    expect(readFileSync(join(pkgDir, '2/conf/defaults.toml.zoinew'), 'utf8')).toBe('port = 2\n')

    // An unedited backup file is simply replaced.
    writeFileSync(join(root, 'etc/svc.conf'), 'port = 2\n')
    await installArchive({ layout, archivePath: await conf('port = 3\n', '3'), record: record('svc', '3', { backup }) })
    expect(readFileSync(join(root, 'etc/svc.conf'), 'utf8')).toBe('port = 3\n')
  })
})

describe('conflicts change nothing', () => {
  test('a file owned by another package: exit 4 naming the file and the owner', async () => {
    const { root, layout } = rootLayout()
    await installArchive({ layout, archivePath: await helloArchive(), record: record('hello', '1.0.0', { bins: ['hello'] }) })
    const before = rootSnapshot(root)
    const rival = await makePackageArchive({ name: 'rival', version: '1', pkgstore: { 'bin/rival': HELLO }, usrroot: { 'etc/hello/hello.conf': 'mine' } })
    const err = await catchError(() => installArchive({ layout, archivePath: rival, record: record('rival', '1', { bins: ['rival'] }) }))
    expect(err).toBeInstanceOf(ZoiError)
    expect((err as ZoiError).exitCode).toBe(4)
    expect((err as ZoiError).message).toBe(`cannot install 'rival': '${join(realpathSync(root), 'etc/hello/hello.conf')}' is owned by 'hello' (#zoidberg@core/hello)`)
    expect(rootSnapshot(root)).toEqual(before)
    expect(snapshot(layout.tmpDir)).toEqual([])
  })

  test('a bin name another package links: exit 4', async () => {
    const { root, layout } = rootLayout()
    await installArchive({ layout, archivePath: await helloArchive(), record: record('hello', '1.0.0', { bins: ['hello'] }) })
    const before = rootSnapshot(root)
    const other = await makePackageArchive({ name: 'other', version: '1', pkgstore: { 'hello': HELLO } })
    const err = (await catchError(() => installArchive({ layout, archivePath: other, record: record('other', '1', { bins: ['hello'] }) }))) as ZoiError
    expect(err.exitCode).toBe(4)
    expect(err.message).toContain("usr/local/bin/hello' is owned by 'hello'")
    expect(rootSnapshot(root)).toEqual(before)
  })

  test('a file nobody installed: exit 4 "exists on the filesystem"', async () => {
    const { root, layout } = rootLayout()
    mkdirSync(join(root, 'etc/hello'), { recursive: true })
    writeFileSync(join(root, 'etc/hello/hello.conf'), 'hand-written')
    primeRoot(layout)
    const before = rootSnapshot(root)
    const err = (await catchError(async () => installArchive({ layout, archivePath: await helloArchive(), record: record('hello', '1.0.0') }))) as ZoiError
    expect(err.code).toBe('CONFLICT')
    expect(err.message).toEndWith("etc/hello/hello.conf' exists on the filesystem")
    expect(rootSnapshot(root)).toEqual(before)
    const db = InstalledDb.open(layout.installedDb)
    expect(db.list()).toEqual([])
    db.close()
  })

  test('two entries of one archive landing on the same file: exit 4', async () => {
    const { root, home, layout } = rootLayout()
    primeRoot(layout)
    const before = rootSnapshot(root)
    const homeInRoot = join(home.replace(/^\/+/, ''), '.x')
    const archive = await makePackageArchive({ name: 'dup', version: '1', usrroot: { [homeInRoot]: 'a' }, usrhome: { '.x': 'b' } })
    const err = (await catchError(() => installArchive({ layout, archivePath: archive, record: record('dup', '1') }))) as ZoiError
    expect(err.code).toBe('CONFLICT')
    expect(err.message).toEndWith("/.x' is the target of two entries of the archive")
    expect(rootSnapshot(root)).toEqual(before)
  })

  test('user scope refuses usrroot content: exit 4 with a hint, nothing written', async () => {
    const { home, layout } = userLayout()
    const before = snapshot(home)
    const err = (await catchError(async () => installArchive({ layout, archivePath: await helloArchive(), record: record('hello', '1.0.0') }))) as ZoiError
    expect(err.code).toBe('REFUSED')
    expect(err.exitCode).toBe(4)
    expect(err.hint).toContain('--scope system')
    expect(err.hint).toContain('--root')
    // Only zoi's own (empty) db and scratch folder may appear.
    expect(snapshot(home, (rel) => rel.startsWith('.zoi'))).toEqual(before)
    expect(snapshot(layout.tmpDir)).toEqual([])
    expect(existsSync(layout.storeDir)).toBe(false)
  })
})

describe('user scope', () => {
  test('installs into the home: store, bin link, usrhome files', async () => {
    const { home, layout } = userLayout()
    const archive = await makePackageArchive({ name: 'dots', version: '0.1', pkgstore: { 'bin/dots': HELLO }, usrhome: { '.config/dots/rc': 'x=1' } })
    await installArchive({ layout, archivePath: archive, record: record('dots', '0.1', { bins: ['dots'] }) })
    const bin = join(home, '.zoi/pkgs/bin/dots')
    expect(readlinkSync(bin)).toBe(`../store/${packageDirName(record('dots', '0.1'))}/latest/bin/dots`)
    expect(readFileSync(bin, 'utf8')).toContain('echo hello')
    expect(readFileSync(join(home, '.config/dots/rc'), 'utf8')).toBe('x=1')
    const db = InstalledDb.open(layout.installedDb)
    try {
      expect(db.ownerOf(join(home, '.config/dots/rc'), layout)).toMatchObject({ kind: 'usrhome', path: '.config/dots/rc' })
      expect(db.ownerOf(bin, layout)).toMatchObject({ kind: 'bin', path: 'dots' })
    } finally {
      db.close()
    }
  })
})

describe('paths', () => {
  test('ownerOf finds a file reached through a symlinked folder and through ..', async () => {
    const { root, layout } = rootLayout()
    await installArchive({ layout, archivePath: await helloArchive(), record: record('hello', '1.0.0') })
    const elsewhere = tempDir('zoi-alias-')
    symlinkSync(join(root, 'etc'), join(elsewhere, 'etc-alias'))
    const db = InstalledDb.open(layout.installedDb)
    try {
      expect(db.ownerOf(join(elsewhere, 'etc-alias/hello/hello.conf'), layout)).toMatchObject({ kind: 'usrroot', path: 'etc/hello/hello.conf' })
      expect(db.ownerOf(join(root, 'etc/hello/../hello/hello.conf'), layout)?.pkg.name).toBe('hello')
      expect(db.ownerOf(join(root, 'etc/passwd'), layout)).toBeUndefined()
    } finally {
      db.close()
    }
  })

  test('a file placed through a symlinked folder of the root is recorded where it really is', async () => {
    const { root, layout } = rootLayout()
    // A merged-/usr root: /lib → usr/lib.
    mkdirSync(join(root, 'usr/lib'), { recursive: true })
    symlinkSync('usr/lib', join(root, 'lib'))
    const archive = await makePackageArchive({ name: 'libx', version: '1', usrroot: { 'lib/libx.so': 'elf' } })
    await installArchive({ layout, archivePath: archive, record: record('libx', '1') })
    expect(lstatSync(join(root, 'lib')).isSymbolicLink()).toBe(true)
    expect(readFileSync(join(root, 'usr/lib/libx.so'), 'utf8')).toBe('elf')
    const db = InstalledDb.open(layout.installedDb)
    try {
      expect(db.filesOf('libx').filter((f) => f.kind === 'usrroot').map((f) => f.path)).toEqual(['usr/lib', 'usr/lib/libx.so'])
      expect(db.ownerOf(join(root, 'lib/libx.so'), layout)?.pkg.name).toBe('libx')
    } finally {
      db.close()
    }
  })

  test('a symlink in the root leading outside it is refused under --root (exit 6), nothing written', async () => {
    const { root, layout } = rootLayout()
    const outside = tempDir('zoi-outside-')
    symlinkSync(outside, join(root, 'etc'))
    primeRoot(layout)
    const before = rootSnapshot(root)
    const err = (await catchError(async () => installArchive({ layout, archivePath: await helloArchive(), record: record('hello', '1.0.0') }))) as ZoiError
    expect(err.code).toBe('UNSAFE_PATH')
    expect(snapshot(outside)).toEqual([])
    expect(rootSnapshot(root)).toEqual(before)
  })

  test('the db holds relative paths: a copied root answers with paths under the copy', async () => {
    const { root, home, layout } = rootLayout()
    await installArchive({ layout, archivePath: await helloArchive(), record: record('hello', '1.0.0', { bins: ['hello'] }) })
    const copy = join(tempDir('zoi-copy-'), 'disk')
    cpSync(root, copy, { recursive: true, verbatimSymlinks: true })
    const moved = layoutFor({ root: copy, home })
    const db = InstalledDb.open(moved.installedDb)
    try {
      const files = db.filesOf('hello', moved).map((f) => f.absolute as string)
      expect(files.length).toBeGreaterThan(4)
      for (const f of files) expect(f.startsWith(realpathSync(copy) + '/')).toBe(true)
      expect(files).toContain(join(realpathSync(copy), 'etc/hello/hello.conf'))
      expect(readFileSync(join(copy, 'usr/local/bin/hello'), 'utf8')).toContain('echo hello')
    } finally {
      db.close()
    }
  })
})
