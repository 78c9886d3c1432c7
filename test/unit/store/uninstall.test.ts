import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ZoiError } from '../../../src/errors.ts'
import type { Layout } from '../../../src/platform/layout.ts'
import { InstalledDb, installArchive, listFiles, recoverInterrupted, SimulatedCrash, uninstallPackage } from '../../../src/store/index.ts'
import { catchError, makePackageArchive, primeRoot, record, removeTempDirs, rootLayout, rootSnapshot, snapshot, userLayout } from './store-fixtures.ts'

afterAll(removeTempDirs)

const EXE = { content: '#!/bin/sh\n', mode: 0o755 }

/** A root where zoi already lives: its store and bin folders exist (they are not a package's). */
function livedInRoot() {
  const r = rootLayout()
  primeRoot(r.layout)
  mkdirSync(r.layout.storeDir, { recursive: true })
  mkdirSync(r.layout.binDir, { recursive: true })
  return r
}

async function install(layout: Layout, name: string, files: Parameters<typeof makePackageArchive>[0], extra: Parameters<typeof record>[2] = {}) {
  return installArchive({ layout, archivePath: await makePackageArchive(files), record: record(name, files.version, extra) })
}

function names(layout: Layout): string[] {
  const db = InstalledDb.open(layout.installedDb)
  try {
    return db.list().map((p) => p.name)
  } finally {
    db.close()
  }
}

describe('uninstall', () => {
  test('leaves the root exactly as it was before the install', async () => {
    const { root, layout } = livedInRoot()
    mkdirSync(join(root, 'etc'))
    const before = rootSnapshot(root)
    await install(layout, 'hello', { name: 'hello', version: '1', pkgstore: { 'bin/hello': EXE }, usrroot: { 'etc/hello/a.conf': 'a', 'usr/share/hello/x': 'x' } }, { bins: ['hello'] })
    expect(rootSnapshot(root)).not.toEqual(before)
    const result = await uninstallPackage({ layout, name: 'hello' })
    expect(result.removed.name).toBe('hello')
    // `etc` existed before: it stays. Everything the install created is gone, store folder included.
    expect(rootSnapshot(root)).toEqual(before)
    expect(names(layout)).toEqual([])
    expect(snapshot(layout.tmpDir)).toEqual([])
  })

  test('in user scope too', async () => {
    const { home, layout } = userLayout()
    await install(layout, 'dots', { name: 'dots', version: '1', pkgstore: { 'dots': EXE } }, { bins: ['dots'] })
    const state = (rel: string) => rel === '.zoi/pkgs/db'
    const before = snapshot(home, state)
    await install(layout, 'rc', { name: 'rc', version: '1', usrhome: { '.config/rc/rc': 'x' } })
    await uninstallPackage({ layout, name: 'rc' })
    expect(snapshot(home, state)).toEqual(before)
  })

  test('a folder shared by two packages goes with the last of them', async () => {
    const { root, layout } = livedInRoot()
    const before = rootSnapshot(root)
    await install(layout, 'a', { name: 'a', version: '1', usrroot: { 'etc/shared/a': 'a' } })
    await install(layout, 'b', { name: 'b', version: '1', usrroot: { 'etc/shared/b': 'b' } })
    await uninstallPackage({ layout, name: 'a' })
    expect(readFileSync(join(root, 'etc/shared/b'), 'utf8')).toBe('b')
    await uninstallPackage({ layout, name: 'b' })
    expect(rootSnapshot(root)).toEqual(before)
  })

  test('refuses while another package depends on it, naming the dependents; --force removes it', async () => {
    const { root, layout } = livedInRoot()
    await install(layout, 'libfoo', { name: 'libfoo', version: '1.2', usrroot: { 'usr/lib/libfoo.so': 'so' } })
    await install(layout, 'app', { name: 'app', version: '1', pkgstore: { 'app': EXE } }, { dependencies: ['zoi:@core/libfoo@^1:the library', 'native:zlib'] })
    await install(layout, 'tool', { name: 'tool', version: '1', pkgstore: { 'tool': EXE } }, { dependencies: ['libfoo>=1'] })
    const before = rootSnapshot(root)
    const err = (await catchError(() => uninstallPackage({ layout, name: 'libfoo' }))) as ZoiError
    expect(err).toBeInstanceOf(ZoiError)
    expect(err.code).toBe('REFUSED')
    expect(err.exitCode).toBe(4)
    expect(err.message).toBe("cannot uninstall 'libfoo': app, tool depend on it")
    expect(rootSnapshot(root)).toEqual(before)
    expect(names(layout)).toEqual(['app', 'libfoo', 'tool'])

    const forced = await uninstallPackage({ layout, name: 'libfoo', force: true })
    expect(forced.brokenDependents).toEqual(['app', 'tool'])
    expect(existsSync(join(root, 'usr/lib/libfoo.so'))).toBe(false)
    expect(names(layout)).toEqual(['app', 'tool'])
  })

  test('a provided name protects its provider only while no other package provides it', async () => {
    const { layout } = livedInRoot()
    await install(layout, 'openssl', { name: 'openssl', version: '3', pkgstore: { 'o': 'o' } }, { provides: ['ssl'] })
    await install(layout, 'curl', { name: 'curl', version: '8', pkgstore: { 'c': 'c' } }, { dependencies: ['zoi:ssl'] })
    expect(((await catchError(() => uninstallPackage({ layout, name: 'openssl' }))) as ZoiError).code).toBe('REFUSED')
    await install(layout, 'libressl', { name: 'libressl', version: '3', pkgstore: { 'l': 'l' } }, { provides: ['ssl'] })
    await uninstallPackage({ layout, name: 'openssl' })
    expect(names(layout)).toEqual(['curl', 'libressl'])
  })

  test('an edited backup file is kept as .zoisave; an untouched one is removed', async () => {
    const { root, layout } = livedInRoot()
    await install(layout, 'svc', { name: 'svc', version: '1', usrroot: { 'etc/svc/main.conf': 'a=1\n', 'etc/svc/other.conf': 'b=1\n' } }, { backup: ['etc/svc/main.conf', 'etc/svc/other.conf'] })
    writeFileSync(join(root, 'etc/svc/main.conf'), 'a=2\n')
    const result = await uninstallPackage({ layout, name: 'svc' })
    const real = realpathSync(root)
    expect(result.saved).toEqual([join(real, 'etc/svc/main.conf.zoisave')])
    expect(readFileSync(join(root, 'etc/svc/main.conf.zoisave'), 'utf8')).toBe('a=2\n')
    expect(existsSync(join(root, 'etc/svc/main.conf'))).toBe(false)
    expect(existsSync(join(root, 'etc/svc/other.conf'))).toBe(false)
  })

  test('an unknown package is exit 3', async () => {
    const { layout } = livedInRoot()
    const err = (await catchError(() => uninstallPackage({ layout, name: 'nope' }))) as ZoiError
    expect(err.exitCode).toBe(3)
    expect(err.message).toBe("package 'nope' is not installed")
  })
})

describe('listFiles', () => {
  test('absolute paths of what the package installed, for this layout', async () => {
    const { root, layout } = livedInRoot()
    const row = await install(layout, 'hello', { name: 'hello', version: '1', pkgstore: { 'bin/hello': EXE }, usrroot: { 'etc/hello.conf': 'x' } }, { bins: ['hello'] })
    const real = realpathSync(root)
    const store = `${real}/var/lib/zoi/pkgs/store/4925502aa093bf050a98ad1f4519a9f5-hello`
    expect(row.name).toBe('hello')
    expect(listFiles({ layout, name: 'hello' })).toEqual([
      `${real}/etc/hello.conf`,
      `${real}/usr/local/bin/hello`,
      `${store}/1/bin/hello`,
      `${store}/1/hello.pkg.lua`,
      `${store}/1/manifest.yaml`,
      `${store}/latest`,
    ])
  })
})

describe('an interrupted uninstall', () => {
  test('crash after the journal, before the commit: nothing was removed, the package stays', async () => {
    const { root, layout } = livedInRoot()
    await install(layout, 'hello', { name: 'hello', version: '1', pkgstore: { 'bin/hello': EXE }, usrroot: { 'etc/hello.conf': 'x' } }, { bins: ['hello'] })
    const before = rootSnapshot(root)
    expect(await catchError(() => uninstallPackage({ layout, name: 'hello', faultAt: 'after-journal' }))).toBeInstanceOf(SimulatedCrash)
    expect(await recoverInterrupted(layout)).toEqual({ rolledBack: ['#zoidberg@core/hello@1'], completed: [] })
    expect(rootSnapshot(root)).toEqual(before)
    expect(names(layout)).toEqual(['hello'])
  })

  test('crash after the commit: recovery finishes removing the files', async () => {
    const { root, layout } = livedInRoot()
    const before = rootSnapshot(root)
    await install(layout, 'hello', { name: 'hello', version: '1', pkgstore: { 'bin/hello': EXE }, usrroot: { 'etc/hello/hello.conf': 'x' } }, { bins: ['hello'] })
    await catchError(() => uninstallPackage({ layout, name: 'hello', faultAt: 'after-commit' }))
    expect(names(layout)).toEqual([])
    expect(existsSync(join(root, 'etc/hello/hello.conf'))).toBe(true)
    expect(await recoverInterrupted(layout)).toEqual({ rolledBack: [], completed: ['#zoidberg@core/hello@1'] })
    expect(rootSnapshot(root)).toEqual(before)
    expect(snapshot(layout.tmpDir)).toEqual([])
  })
})
