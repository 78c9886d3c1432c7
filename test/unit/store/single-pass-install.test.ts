import { afterAll, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hashFile } from '../../../src/archive/index.ts'
import { applyChangeset, checkFiles, extractForInstall, InstalledDb, recordFileChecks } from '../../../src/store/index.ts'
import { catchError, makePackageArchive, primeRoot, record, removeTempDirs, rootLayout, rootSnapshot } from './store-fixtures.ts'

afterAll(removeTempDirs)

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

async function subsArchive() {
  return makePackageArchive({
    name: 'multi',
    version: '1.0.0',
    pkgstore: { 'bin/multi': { content: '#!/bin/sh\n', mode: 0o755 }, 'link': { link: 'bin/multi' } },
    usrroot: { 'etc/multi.conf': 'a = 1\n' },
    subs: { doc: { pkgstore: { 'share/doc/README': 'read me\n' } }, extra: { usrroot: { 'etc/extra.conf': 'b = 2\n' } } },
  })
}

test('file hashes taken while extracting are what zoi check records, for every part and sub-package', async () => {
  const { root, layout } = rootLayout()
  const archivePath = await subsArchive()
  const staged = await extractForInstall(layout, archivePath)
  expect(staged.fileHashes.get('data/doc/pkgstore/share/doc/README')).toBe(sha256('read me\n'))
  const { installed } = await applyChangeset({ layout, installs: [{ archivePath, record: record('multi', '1.0.0'), staged }] })
  const db = InstalledDb.open(layout.installedDb)
  try {
    const rows = db.db.query('SELECT kind, path, type, sha256, mode FROM file_checks').all() as { path: string; type: string; sha256: string | null; mode: number | null }[]
    const readme = rows.find((r) => r.path.endsWith('/share/doc/README'))
    expect(readme).toMatchObject({ type: 'file', sha256: sha256('read me\n'), mode: 0o644 })
    expect(rows.find((r) => r.path === 'etc/extra.conf')).toMatchObject({ sha256: sha256('b = 2\n') })
    expect(rows.find((r) => r.path.endsWith('/bin/multi'))).toMatchObject({ mode: 0o755 })
    // Every recorded file hash is the content on disk: nothing is reported after a clean install.
    const clean = checkFiles(db, layout, installed[0]!)
    expect(clean).toMatchObject({ recorded: true, findings: [] })
    writeFileSync(join(root, 'etc/extra.conf'), 'changed\n')
    expect(checkFiles(db, layout, installed[0]!).findings.map((f) => f.problem)).toEqual(['changed'])
  } finally {
    db.close()
  }
})

test('regression: a checksum mismatch found only at the END of the single read leaves nothing installed and nothing staged', async () => {
  const { root, layout } = rootLayout()
  const archivePath = await subsArchive()
  primeRoot(layout)
  const before = rootSnapshot(root)
  const real = await hashFile(archivePath, 'sha512')
  const wrong = real.replace(/^./, (c) => (c === '0' ? '1' : '0'))
  const err = await catchError(() => extractForInstall(layout, archivePath, { expect: { algorithm: 'sha512', hex: wrong, source: 'the registry index' } }))
  expect(err).toMatchObject({ code: 'INTEGRITY' })
  expect(String((err as Error).message)).toContain(`actual   sha512 ${real}`)
  // Every file was written before the digest was known: all of it is gone again.
  expect(readdirSync(layout.tmpDir)).toEqual([])
  expect(rootSnapshot(root)).toEqual(before)
  const db = InstalledDb.open(layout.installedDb)
  try {
    expect(db.list()).toEqual([])
  } finally {
    db.close()
  }
  expect(readFileSync(archivePath).length).toBeGreaterThan(0)
})

test('the file records of a set of two are written together; a package whose file cannot be read back is warned about and the other is still recorded', async () => {
  const { root, layout } = rootLayout()
  const one = await makePackageArchive({ name: 'one', version: '1.0.0', usrroot: { 'etc/one.conf': 'one\n' } })
  const two = await makePackageArchive({ name: 'two', version: '1.0.0', usrroot: { 'etc/two.conf': 'two\n' } })
  const { installed } = await applyChangeset({ layout, installs: [{ archivePath: one, record: record('one', '1.0.0') }, { archivePath: two, record: record('two', '1.0.0') }] })
  const db = InstalledDb.open(layout.installedDb)
  try {
    const recorded = (txid: string) => db.db.query('SELECT path, sha256 FROM file_checks WHERE txid = ? AND path LIKE ? ORDER BY path').all(txid, 'etc/%')
    expect(recorded(installed[0]!.txid)).toEqual([{ path: 'etc/one.conf', sha256: sha256('one\n') }])
    expect(recorded(installed[1]!.txid)).toEqual([{ path: 'etc/two.conf', sha256: sha256('two\n') }])
    // Recording again without the extraction's hashes reads the files back; one is now a folder.
    db.db.query('DELETE FROM file_checks').run()
    rmSync(join(root, 'etc/one.conf'))
    mkdirSync(join(root, 'etc/one.conf'))
    const failed: string[] = []
    recordFileChecks(db, layout, installed.map((row) => ({ row, files: db.filesOf(row) })), (row) => failed.push(row.name))
    expect(failed).toEqual(['one'])
    expect(recorded(installed[0]!.txid)).toEqual([])
    expect(recorded(installed[1]!.txid)).toEqual([{ path: 'etc/two.conf', sha256: sha256('two\n') }])
  } finally {
    db.close()
  }
})
