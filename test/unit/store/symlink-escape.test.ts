/**
 * Writes are judged against the filesystem as installed: a symlink under the home (or the
 * root) that leads out of it cannot carry a later write outside, and an archive cannot ship one.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ZoiError } from '../../../src/errors.ts'
import { installArchive } from '../../../src/store/index.ts'
import { catchError, makePackageArchive, primeRoot, record, removeTempDirs, rootLayout, rootSnapshot, snapshot, tempDir, userLayout } from './store-fixtures.ts'
import { layoutFor } from '../../../src/platform/layout.ts'

afterAll(removeTempDirs)

describe('symlink escape', () => {
  test('usrhome symlink esc -> ../outside shipped by an archive is refused at install time (exit 6), nothing installed', async () => {
    const top = tempDir()
    const home = join(top, 'home')
    mkdirSync(home)
    const layout = layoutFor({ scope: 'user', home })
    const outside = top
    const before = readdirSync(outside).sort()
    const archivePath = await makePackageArchive({ name: 'evil', version: '1', usrhome: { esc: { link: '../outside' }, '.evilrc': 'x' } })
    const err = await catchError(() => installArchive({ layout, archivePath, record: record('evil', '1') }))
    expect((err as ZoiError).exitCode).toBe(6)
    expect((err as ZoiError).message).toContain('leads out of')
    expect(existsSync(join(home, 'esc'))).toBe(false)
    expect(existsSync(join(home, '.evilrc'))).toBe(false)
    expect(readdirSync(outside).sort()).toEqual(before)
  })

  test('a write through an installed symlink that leaves the home is refused (exit 6), nothing written outside', async () => {
    const { home, layout } = userLayout()
    // As an earlier version (or another package) would have left it.
    const outside = join(dirname(home), `victim-${Date.now()}`)
    mkdirSync(outside)
    symlinkSync(outside, join(home, 'esc'))
    const notZoi = (rel: string) => rel === '.zoi'
    const before = snapshot(home, notZoi)
    const archivePath = await makePackageArchive({ name: 'next', version: '2', usrhome: { 'esc/pwned': 'owned', '.nextrc': 'x' } })
    const err = await catchError(() => installArchive({ layout, archivePath, record: record('next', '2') }))
    expect((err as ZoiError).exitCode).toBe(6)
    expect((err as ZoiError).message).toContain('outside')
    expect(readdirSync(outside)).toEqual([])
    expect(snapshot(home, notZoi)).toEqual(before)
  })

  test('usrroot symlink with a relative target leading out of --root is refused; one inside it installs', async () => {
    const { root, layout } = rootLayout()
    primeRoot(layout)
    const before = rootSnapshot(root)
    const bad = await makePackageArchive({ name: 'bad', version: '1', usrroot: { 'etc/up': { link: '../../..' } } })
    const err = await catchError(() => installArchive({ layout, archivePath: bad, record: record('bad', '1') }))
    expect((err as ZoiError).exitCode).toBe(6)
    expect(rootSnapshot(root)).toEqual(before)
    const good = await makePackageArchive({ name: 'good', version: '1', usrroot: { 'usr/lib/real': 'x', 'usr/bin/alias': { link: '../lib/real' } } })
    await installArchive({ layout, archivePath: good, record: record('good', '1') })
    expect(existsSync(join(root, 'usr/bin/alias'))).toBe(true)
  })
})
