/**
 * A changeset is checked whole, then committed: a conflict in its last package leaves the root
 * exactly as it was; removals are resolved together; a crash anywhere is undone or finished
 * for the whole set by recovery.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ZoiError } from '../../../src/errors.ts'
import type { Layout } from '../../../src/platform/layout.ts'
import { applyChangeset, InstalledDb, recoverInterrupted, settleForRead, SimulatedCrash, type FaultPoint } from '../../../src/store/index.ts'
import { catchError, makePackageArchive, primeRoot, record, removeTempDirs, rootLayout, rootSnapshot } from './store-fixtures.ts'

afterAll(removeTempDirs)

const EXE = { content: '#!/bin/sh\n', mode: 0o755 }

function livedInRoot() {
  const r = rootLayout()
  primeRoot(r.layout)
  mkdirSync(r.layout.storeDir, { recursive: true })
  mkdirSync(r.layout.binDir, { recursive: true })
  return r
}

function names(layout: Layout): string[] {
  const db = InstalledDb.open(layout.installedDb)
  try {
    return db.list().map((p) => p.name)
  } finally {
    db.close()
  }
}

/** libfoo ← hello ← vim, each with a bin and a usrroot file; `vim` optionally at another version. */
async function threePackages(vimVersion = '1') {
  const pkg = async (name: string, version: string, deps: string[]) => ({
    archivePath: await makePackageArchive({ name, version, pkgstore: { [`bin/${name}`]: EXE }, usrroot: { [`usr/share/${name}/${version}`]: name } }),
    record: record(name, version, { bins: [name], dependencies: deps }),
  })
  return [await pkg('libfoo', '1', []), await pkg('hello', '1', ['zoi:libfoo']), await pkg('vim', vimVersion, ['zoi:hello'])]
}

describe('install changeset', () => {
  test('a conflict in the last package (unowned bin) refuses the whole set: exit 4, the root exactly as it was', async () => {
    const { root, layout } = livedInRoot()
    writeFileSync(join(layout.binDir, 'vim'), 'not zoi')
    const before = rootSnapshot(root)
    const err = await catchError(async () => applyChangeset({ layout, installs: await threePackages() }))
    expect((err as ZoiError).exitCode).toBe(4)
    expect((err as ZoiError).message).toContain(`cannot install 'vim'`)
    expect(rootSnapshot(root)).toEqual(before)
    expect(names(layout)).toEqual([])
    expect(readdirSync(layout.tmpDir)).toEqual([])
  })

  test('two packages of one set claiming the same file: exit 4 naming both, nothing installed', async () => {
    const { root, layout } = livedInRoot()
    const before = rootSnapshot(root)
    const a = { archivePath: await makePackageArchive({ name: 'a', version: '1', usrroot: { 'etc/shared.conf': 'a' } }), record: record('a', '1') }
    const b = { archivePath: await makePackageArchive({ name: 'b', version: '1', usrroot: { 'etc/shared.conf': 'b' } }), record: record('b', '1') }
    const err = await catchError(() => applyChangeset({ layout, installs: [a, b] }))
    expect((err as ZoiError).exitCode).toBe(4)
    expect((err as ZoiError).message).toContain(`is also installed by 'a' in the same command`)
    expect(rootSnapshot(root)).toEqual(before)
  })

  test('installs the whole set in one commit', async () => {
    const { layout } = livedInRoot()
    const { installed } = await applyChangeset({ layout, installs: await threePackages() })
    expect(installed.map((r) => r.name)).toEqual(['libfoo', 'hello', 'vim'])
    expect(names(layout)).toEqual(['hello', 'libfoo', 'vim'])
  })

  for (const point of ['after-journal', 'after-move', 'after-bins', 'before-commit'] as FaultPoint[]) {
    test(`a crash ${point} while installing a set: recovery rolls the whole set back`, async () => {
      const { root, layout } = livedInRoot()
      const before = rootSnapshot(root)
      const err = await catchError(async () => applyChangeset({ layout, installs: await threePackages(), faultAt: point }))
      expect(err).toBeInstanceOf(SimulatedCrash)
      const result = await recoverInterrupted(layout)
      expect(result.rolledBack).toHaveLength(1)
      expect(rootSnapshot(root)).toEqual(before)
      expect(names(layout)).toEqual([])
    })
  }

  test('a crash after the commit of a set: recovery finishes it, all three stay installed', async () => {
    const { layout } = livedInRoot()
    await catchError(async () => applyChangeset({ layout, installs: await threePackages(), faultAt: 'after-commit' }))
    const result = await recoverInterrupted(layout)
    expect(result.completed).toHaveLength(1)
    expect(names(layout)).toEqual(['hello', 'libfoo', 'vim'])
    expect(readdirSync(layout.tmpDir)).toEqual([])
  })
})

describe('a file moving between packages in one set (as pacman allows)', () => {
  const pkg = async (name: string, version: string, usrroot: Record<string, string>) => ({
    archivePath: await makePackageArchive({ name, version, usrroot }),
    record: record(name, version),
  })
  const ownerName = (layout: Layout, path: string) => {
    const db = InstalledDb.open(layout.installedDb)
    try {
      return db.ownerOf(path, layout)?.pkg.name
    } finally {
      db.close()
    }
  }

  async function twoInstalled() {
    const r = livedInRoot()
    await applyChangeset({ layout: r.layout, installs: [await pkg('a', '1', { 'etc/moved.conf': 'from a', 'etc/a.conf': 'a' }), await pkg('b', '1', { 'etc/b.conf': 'b' })] })
    return r
  }

  for (const order of ['the old owner first', 'the new owner first']) {
    test(`upgrading both, ${order}: the file is the new owner's, and the old owner's cleanup leaves it (was exit 4: owned by 'a')`, async () => {
      const { root, layout } = await twoInstalled()
      const a2 = await pkg('a', '2', { 'etc/a.conf': 'a2' })
      const b2 = await pkg('b', '2', { 'etc/b.conf': 'b2', 'etc/moved.conf': 'from b' })
      await applyChangeset({ layout, installs: order === 'the old owner first' ? [a2, b2] : [b2, a2] })
      expect(readFileSync(join(root, 'etc/moved.conf'), 'utf8')).toBe('from b')
      expect(ownerName(layout, join(root, 'etc/moved.conf'))).toBe('b')
      expect(readFileSync(join(root, 'etc/a.conf'), 'utf8')).toBe('a2')
      expect(readdirSync(layout.tmpDir)).toEqual([])
    })
  }

  test('removing the old owner while installing the new one: the file stays, now the new owner\'s', async () => {
    const { root, layout } = await twoInstalled()
    await applyChangeset({ layout, installs: [await pkg('b', '2', { 'etc/b.conf': 'b2', 'etc/moved.conf': 'from b' })], removals: [{ name: 'a' }] })
    expect(readFileSync(join(root, 'etc/moved.conf'), 'utf8')).toBe('from b')
    expect(ownerName(layout, join(root, 'etc/moved.conf'))).toBe('b')
    expect(existsSync(join(root, 'etc/a.conf'))).toBe(false)
    expect(names(layout)).toEqual(['b'])
  })

  test('still a conflict when the old owner keeps the file, or is not part of the set', async () => {
    const { root, layout } = await twoInstalled()
    const before = rootSnapshot(root)
    const keeps = await catchError(async () => applyChangeset({ layout, installs: [await pkg('a', '2', { 'etc/moved.conf': 'a2' }), await pkg('b', '2', { 'etc/moved.conf': 'from b' })] }))
    expect((keeps as ZoiError).exitCode).toBe(4)
    expect((keeps as ZoiError).message).toContain(`is also installed by 'a' in the same command`)
    const outside = await catchError(async () => applyChangeset({ layout, installs: [await pkg('b', '2', { 'etc/moved.conf': 'from b' })] }))
    expect((outside as ZoiError).exitCode).toBe(4)
    expect((outside as ZoiError).message).toContain(`is owned by 'a'`)
    expect(rootSnapshot(root)).toEqual(before)
  })

  test('a folder now standing where the leaving owner recorded the file is still a conflict (regression: it was taken over)', async () => {
    const { root, layout } = await twoInstalled()
    rmSync(join(root, 'etc/moved.conf'))
    mkdirSync(join(root, 'etc/moved.conf'))
    const before = rootSnapshot(root)
    const err = await catchError(async () => applyChangeset({ layout, installs: [await pkg('a', '2', { 'etc/a.conf': 'a2' }), await pkg('b', '2', { 'etc/moved.conf': 'from b' })] }))
    expect((err as ZoiError).exitCode).toBe(4)
    expect((err as ZoiError).message).toContain(`cannot install 'b'`)
    expect(rootSnapshot(root)).toEqual(before)
  })

  test('a crash after the move: recovery puts the old owner\'s file back', async () => {
    const { root, layout } = await twoInstalled()
    const before = rootSnapshot(root)
    const err = await catchError(async () => applyChangeset({ layout, installs: [await pkg('a', '2', { 'etc/a.conf': 'a2' }), await pkg('b', '2', { 'etc/moved.conf': 'from b' })], faultAt: 'after-move' }))
    expect(err).toBeInstanceOf(SimulatedCrash)
    await recoverInterrupted(layout)
    expect(rootSnapshot(root)).toEqual(before)
    expect(ownerName(layout, join(root, 'etc/moved.conf'))).toBe('a')
  })
})

describe('reads after a crash', () => {
  test('an upgrade killed after the move: settleForRead recovers before reading, the old version over its own files', async () => {
    const { root, layout } = livedInRoot()
    const files = (v: string) => Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`usr/share/big/f${i}`, `${v} ${i}`]))
    const big = async (v: string) => ({ archivePath: await makePackageArchive({ name: 'big', version: v, usrroot: files(v) }), record: record('big', v) })
    await applyChangeset({ layout, installs: [await big('1')] })
    const before = rootSnapshot(root)
    await catchError(async () => applyChangeset({ layout, installs: [await big('2')], faultAt: 'after-move' }))
    expect(readFileSync(join(root, 'usr/share/big/f0'), 'utf8')).toBe('2 0')
    await settleForRead(layout)
    expect(rootSnapshot(root)).toEqual(before)
    expect(readdirSync(layout.tmpDir)).toEqual([])
  })
})

const canMount = process.getuid?.() === 0 && Bun.spawnSync(['unshare', '-m', 'true']).exitCode === 0

describe('reads on a read-only root', () => {
  /** settleForRead in a child that sees `root` bind-mounted read-only (private mount namespace). */
  function readOnly(root: string, home: string): { warnings: string[]; code: string | null } {
    const child = join(import.meta.dir, 'read-child.ts')
    const script = `mount --bind '${root}' '${root}' && mount -o remount,bind,ro '${root}' && exec '${process.execPath}' '${child}' '${root}' '${home}'`
    const r = Bun.spawnSync(['unshare', '-m', 'sh', '-c', script])
    return JSON.parse(r.stdout.toString())
  }

  test.skipIf(!canMount)('an interrupted upgrade on a read-only root: the read warns that a change is interrupted (needs root for unshare -m)', async () => {
    const { root, home, layout } = livedInRoot()
    const big = async (v: string) => ({ archivePath: await makePackageArchive({ name: 'big', version: v, usrroot: { 'usr/share/big/f': v } }), record: record('big', v) })
    await applyChangeset({ layout, installs: [await big('1')] })
    await catchError(async () => applyChangeset({ layout, installs: [await big('2')], faultAt: 'after-move' }))
    const seen = readOnly(root, home)
    expect(seen.code).toBeNull()
    expect(seen.warnings.join('\n')).toContain('was interrupted')
    // Writable again: the next read recovers.
    await settleForRead(layout)
    expect(readFileSync(join(root, 'usr/share/big/f'), 'utf8')).toBe('1')
  })

  test.skipIf(!canMount)('a 0-byte local.db on a read-only root is exit 6 with a repair command (needs root for unshare -m)', async () => {
    const { root, home, layout } = livedInRoot()
    await applyChangeset({ layout, installs: await threePackages() })
    truncateSync(layout.installedDb, 0)
    expect(readOnly(root, home).code).toBe('INTEGRITY')
  })
})

describe('removal changeset', () => {
  test('uninstall libfoo hello vim works in any order (dependents leave together)', async () => {
    const { root, layout } = livedInRoot()
    const before = rootSnapshot(root)
    await applyChangeset({ layout, installs: await threePackages() })
    const { removed } = await applyChangeset({ layout, removals: [{ name: 'libfoo' }, { name: 'hello' }, { name: 'vim' }] })
    expect(removed.map((r) => r.removed.name).sort()).toEqual(['hello', 'libfoo', 'vim'])
    expect(removed.every((r) => r.brokenDependents.length === 0)).toBe(true)
    expect(names(layout)).toEqual([])
    expect(rootSnapshot(root)).toEqual(before)
  })

  test('an unknown name fails the whole removal before anything is removed (exit 3)', async () => {
    const { root, layout } = livedInRoot()
    await applyChangeset({ layout, installs: await threePackages() })
    const before = rootSnapshot(root)
    const err = await catchError(() => applyChangeset({ layout, removals: [{ name: 'vim' }, { name: 'nosuch' }] }))
    expect((err as ZoiError).exitCode).toBe(3)
    expect(rootSnapshot(root)).toEqual(before)
    expect(names(layout)).toEqual(['hello', 'libfoo', 'vim'])
  })

  test('a dependent that stays still refuses the removal (exit 4); dry run changes nothing', async () => {
    const { root, layout } = livedInRoot()
    await applyChangeset({ layout, installs: await threePackages() })
    const before = rootSnapshot(root)
    const err = await catchError(() => applyChangeset({ layout, removals: [{ name: 'libfoo' }] }))
    expect((err as ZoiError).exitCode).toBe(4)
    const plan = await applyChangeset({ layout, removals: [{ name: 'vim' }, { name: 'hello' }], dryRun: true })
    expect(plan.removed.map((r) => r.removed.name).sort()).toEqual(['hello', 'vim'])
    expect(rootSnapshot(root)).toEqual(before)
    expect(existsSync(join(layout.binDir, 'vim'))).toBe(true)
  })
})
