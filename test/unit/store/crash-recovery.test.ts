import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ZoiError } from '../../../src/errors.ts'
import type { Layout } from '../../../src/platform/layout.ts'
import { InstalledDb, installArchive, packageDirName, recoverInterrupted, SimulatedCrash, type FaultPoint } from '../../../src/store/index.ts'
import { catchError, makePackageArchive, primeRoot, record, removeTempDirs, rootLayout, rootSnapshot, snapshot } from './store-fixtures.ts'

afterAll(removeTempDirs)

const BEFORE_COMMIT: FaultPoint[] = ['after-journal', 'after-move', 'after-bins', 'before-commit']

function archive(version: string) {
  return makePackageArchive({
    name: 'hello',
    version,
    pkgstore: { 'bin/hello': { content: `#!/bin/sh\necho ${version}\n`, mode: 0o755 }, [`share/only-${version}`]: version },
    usrroot: { 'etc/hello/hello.conf': `v=${version}\n`, [`usr/share/hello/${version}.txt`]: version },
  })
}

function installed(layout: Layout): string[] {
  const db = InstalledDb.open(layout.installedDb)
  try {
    return db.list().map((p) => `${p.name}@${p.version}`)
  } finally {
    db.close()
  }
}

describe('a crash before the commit is undone', () => {
  for (const point of BEFORE_COMMIT) {
    test(`fresh install, crash ${point}: recovery restores the root, a re-run installs cleanly`, async () => {
      const { root, layout } = rootLayout()
      primeRoot(layout)
      const before = rootSnapshot(root)
      const err = await catchError(async () => installArchive({ layout, archivePath: await archive('1.0'), record: record('hello', '1.0', { bins: ['hello'] }), faultAt: point }))
      expect(err).toBeInstanceOf(SimulatedCrash)
      // Even before recovery, the db never shows a half-installed package.
      expect(installed(layout)).toEqual([])

      const result = await recoverInterrupted(layout)
      expect(result.rolledBack).toEqual(['#zoidberg@core/hello@1.0'])
      expect(rootSnapshot(root)).toEqual(before)
      expect(snapshot(layout.tmpDir)).toEqual([])

      await installArchive({ layout, archivePath: await archive('1.0'), record: record('hello', '1.0', { bins: ['hello'] }) })
      expect(installed(layout)).toEqual(['hello@1.0'])
      expect(readFileSync(join(root, 'usr/local/bin/hello'), 'utf8')).toContain('echo 1.0')
    })

    test(`upgrade, crash ${point}: the old version is back in place, intact`, async () => {
      const { root, layout } = rootLayout()
      await installArchive({ layout, archivePath: await archive('1.0'), record: record('hello', '1.0', { bins: ['hello'] }) })
      const before = rootSnapshot(root)
      const err = await catchError(async () => installArchive({ layout, archivePath: await archive('2.0'), record: record('hello', '2.0', { bins: ['hello'] }), faultAt: point }))
      expect(err).toBeInstanceOf(SimulatedCrash)
      expect(installed(layout)).toEqual(['hello@1.0'])

      await recoverInterrupted(layout)
      expect(rootSnapshot(root)).toEqual(before)
      expect(readFileSync(join(root, 'usr/local/bin/hello'), 'utf8')).toContain('echo 1.0')

      await installArchive({ layout, archivePath: await archive('2.0'), record: record('hello', '2.0', { bins: ['hello'] }) })
      expect(installed(layout)).toEqual(['hello@2.0'])
      expect(readFileSync(join(root, 'usr/local/bin/hello'), 'utf8')).toContain('echo 2.0')
    })
  }

  test('reinstall of the same version, crash after the move: the original files come back', async () => {
    const { root, layout } = rootLayout()
    await installArchive({ layout, archivePath: await archive('1.0'), record: record('hello', '1.0', { bins: ['hello'] }) })
    writeFileSync(join(root, 'etc/hello/hello.conf'), 'edited\n')
    const before = rootSnapshot(root)
    await catchError(async () => installArchive({ layout, archivePath: await archive('1.0'), record: record('hello', '1.0', { bins: ['hello'] }), faultAt: 'after-bins' }))
    await recoverInterrupted(layout)
    expect(rootSnapshot(root)).toEqual(before)
  })
})

describe('a failure while applying (no crash)', () => {
  test('is undone in-process: the error surfaces, the root and the db are as before', async () => {
    const { root, layout } = rootLayout()
    primeRoot(layout)
    const before = rootSnapshot(root)
    // Something else creates the bin folder while the install is applying: its planned mkdir fails.
    const sabotage = (e: { kind: string; loaded?: number }) => {
      if (e.kind === 'advance' && e.loaded === 1) mkdirSync(layout.binDir, { recursive: true })
    }
    const err = await catchError(async () => installArchive({ layout, archivePath: await archive('1.0'), record: record('hello', '1.0', { bins: ['hello'] }), report: sabotage }))
    expect(err).toBeInstanceOf(ZoiError)
    expect((err as ZoiError).message).toContain('EEXIST')
    expect(installed(layout)).toEqual([])
    expect(rootSnapshot(root)).toEqual(before)
    expect(snapshot(layout.tmpDir)).toEqual([])
  })
})

describe('a crash after the commit is finished', () => {
  test('upgrade, crash after commit: recovery removes the old version and the journal', async () => {
    const { root, layout } = rootLayout()
    await installArchive({ layout, archivePath: await archive('1.0'), record: record('hello', '1.0', { bins: ['hello'] }) })
    await catchError(async () => installArchive({ layout, archivePath: await archive('2.0'), record: record('hello', '2.0', { bins: ['hello'] }), faultAt: 'after-commit' }))
    expect(installed(layout)).toEqual(['hello@2.0'])
    const pkgDir = join(layout.storeDir, packageDirName(record('hello', '2.0')))
    expect(existsSync(join(pkgDir, '1.0'))).toBe(true)

    const result = await recoverInterrupted(layout)
    expect(result.completed).toEqual(['#zoidberg@core/hello@2.0'])
    expect(existsSync(join(pkgDir, '1.0'))).toBe(false)
    expect(existsSync(join(root, 'usr/share/hello/1.0.txt'))).toBe(false)
    expect(readlinkSync(join(pkgDir, 'latest'))).toBe('2.0')
    expect(snapshot(layout.tmpDir)).toEqual([])
    // Recovery is idempotent.
    expect(await recoverInterrupted(layout)).toEqual({ rolledBack: [], completed: [] })
  })
})

describe('a real SIGKILL', () => {
  const child = join(import.meta.dir, 'crash-child.ts')

  async function stepsOfInstall(version: string, upgradeFrom?: string): Promise<number> {
    const { layout } = rootLayout()
    if (upgradeFrom) await installArchive({ layout, archivePath: await archive(upgradeFrom), record: record('hello', upgradeFrom, { bins: ['hello'] }) })
    let total = 0
    await installArchive({ layout, archivePath: await archive(version), record: record('hello', version, { bins: ['hello'] }), report: (e) => void (e.kind === 'phase' && e.total !== undefined && (total = e.total)) })
    return total
  }

  for (const upgradeFrom of [undefined, '1.0']) {
    test(`killed after every step of ${upgradeFrom ? 'an upgrade' : 'a fresh install'}: recovery always restores the root`, async () => {
      const total = await stepsOfInstall('2.0', upgradeFrom)
      expect(total).toBeGreaterThanOrEqual(5)
      const archivePath = await archive('2.0')
      for (let killAt = 1; killAt <= total; killAt++) {
        const { root, home, layout } = rootLayout()
        if (upgradeFrom) await installArchive({ layout, archivePath: await archive(upgradeFrom), record: record('hello', upgradeFrom, { bins: ['hello'] }) })
        else primeRoot(layout)
        const before = rootSnapshot(root)
        const proc = Bun.spawnSync([process.execPath, child, root, home, archivePath, 'hello', '2.0', String(killAt)], { stderr: 'pipe' })
        expect(proc.signalCode).toBe('SIGKILL')
        expect(installed(layout)).toEqual(upgradeFrom ? [`hello@${upgradeFrom}`] : [])
        await recoverInterrupted(layout)
        expect({ killAt, tree: rootSnapshot(root) }).toEqual({ killAt, tree: before })
        await installArchive({ layout, archivePath, record: record('hello', '2.0', { bins: ['hello'] }) })
        expect(readFileSync(join(root, 'usr/local/bin/hello'), 'utf8')).toContain('echo 2.0')
      }
    }, 60_000)
  }
})
