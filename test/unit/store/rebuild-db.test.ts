/** A lost installed db (0 bytes, or deleted) is rebuilt from the store manifests, not reported empty. */
import { afterAll, describe, expect, test } from 'bun:test'
import { chmodSync, mkdirSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { ZoiError } from '../../../src/errors.ts'
import type { Layout } from '../../../src/platform/layout.ts'
import { applyChangeset, InstalledDb, settleForRead } from '../../../src/store/index.ts'
import { catchError, makePackageArchive, primeRoot, record, removeTempDirs, rootLayout, rootSnapshot } from './store-fixtures.ts'

afterAll(removeTempDirs)

const EXE = { content: '#!/bin/sh\n', mode: 0o755 }

function rows(layout: Layout) {
  const db = InstalledDb.open(layout.installedDb)
  try {
    return db.list().map((p) => ({ name: p.name, version: p.version, reason: p.reason, files: db.filesOf(p).filter((f) => f.type !== 'dir').map((f) => `${f.kind}/${f.path} ${f.type}`) }))
  } finally {
    db.close()
  }
}

async function twoPackages() {
  const r = rootLayout()
  primeRoot(r.layout)
  mkdirSync(r.layout.storeDir, { recursive: true })
  mkdirSync(r.layout.binDir, { recursive: true })
  const before = rootSnapshot(r.root)
  const libfoo = { archivePath: await makePackageArchive({ name: 'libfoo', version: '1', pkgstore: { 'lib/libfoo.so': 'so' } }), record: record('libfoo', '1', { reason: 'dependency' }) }
  const hello = {
    archivePath: await makePackageArchive({ name: 'hello', version: '2', pkgstore: { 'bin/hello': EXE }, usrroot: { 'etc/hello.conf': 'a' } }),
    record: record('hello', '2', { bins: ['hello'], dependencies: ['zoi:libfoo'], backup: ['${usrroot}/etc/hello.conf'] }),
  }
  await applyChangeset({ layout: r.layout, installs: [libfoo, hello] })
  return { ...r, before }
}

describe('lost installed db', () => {
  test('a 0-byte local.db does not say "nothing installed": the record is rebuilt from the store manifests', async () => {
    const { root, layout, before } = await twoPackages()
    const expected = rows(layout)
    truncateSync(layout.installedDb, 0)
    const warnings: string[] = []
    await settleForRead(layout, (e) => {
      if (e.kind === 'warn') warnings.push(e.text)
    })
    expect(rows(layout)).toEqual(expected)
    expect(warnings.join('\n')).toContain('rebuilt them from the store manifests')
    // The rebuilt record is good enough to remove everything again.
    await applyChangeset({ layout, removals: [{ name: 'hello' }, { name: 'libfoo' }] })
    expect(rows(layout)).toEqual([])
    expect(rootSnapshot(root).filter((p) => !p.startsWith('etc'))).toEqual(before.filter((p) => !p.startsWith('etc')))
  })

  test('a deleted local.db is rebuilt too', async () => {
    const { layout } = await twoPackages()
    const expected = rows(layout)
    for (const name of readdirSync(layout.dbDir)) if (name.startsWith('local.db')) rmSync(`${layout.dbDir}/${name}`)
    await settleForRead(layout)
    expect(rows(layout)).toEqual(expected)
  })

  test.skipIf(process.getuid?.() === 0)('a 0-byte local.db on a read-only root is exit 6 with a repair command (root ignores permissions)', async () => {
    const { layout } = await twoPackages()
    truncateSync(layout.installedDb, 0)
    chmodSync(layout.dbDir, 0o555)
    try {
      const err = await catchError(() => settleForRead(layout))
      expect((err as ZoiError).exitCode).toBe(6)
      expect((err as ZoiError).hint).toContain('zoi list')
    } finally {
      chmodSync(layout.dbDir, 0o755)
    }
  })

  test('an empty db with an empty store stays empty', async () => {
    const r = rootLayout()
    primeRoot(r.layout)
    writeFileSync(r.layout.installedDb, '')
    await settleForRead(r.layout)
    expect(rows(r.layout)).toEqual([])
  })
})
