/** `cache add | ls | clear` (SPEC §8): validated adds, honest listings, a clear that keeps foreign files. */
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeArchive } from '../../../src/archive/index.ts'
import { addToCache, clearCache, fetchArchives, listCache } from '../../../src/cache/index.ts'
import { createNet } from '../../../src/platform/net.ts'
import { silent } from '../../../src/progress.ts'
import { makeTempDir } from '../../support/run-cli.ts'
import { buildArchive, recordReports, rejection } from './cache-fixtures.ts'

const offline = createNet({ offline: true })

describe('addToCache', () => {
  test('good archives are copied with .hash, .size and .files computed beside them', async () => {
    const downloads = makeTempDir('zoi-dl-')
    const a = await buildArchive(downloads, 'hello', '1.0.0')
    const b = await buildArchive(downloads, 'my-tool', '2.1.0-rc1')
    const cacheDir = join(makeTempDir('zoi-cache-'), 'archives')
    const added = await addToCache([a.path, b.path], { cacheDir, report: silent })
    expect(added.map(({ name, version, platform, replaced }) => ({ name, version, platform, replaced }))).toEqual([
      { name: 'hello', version: '1.0.0', platform: 'linux-amd64', replaced: false },
      { name: 'my-tool', version: '2.1.0-rc1', platform: 'linux-amd64', replaced: false },
    ])
    const cached = join(cacheDir, a.fileName)
    expect(readFileSync(cached)).toEqual(readFileSync(a.path))
    expect(readFileSync(`${cached}.hash`, 'utf8')).toBe(`${a.sha512}  ${a.fileName}\n`)
    expect(readFileSync(`${cached}.size`, 'utf8')).toMatch(new RegExp(`^down: ${readFileSync(a.path).length}\ninstall: \\d+\n$`))
    expect(readFileSync(`${cached}.files`, 'utf8')).toBe('data/pkgstore/bin/hello\n')
    expect(readdirSync(cacheDir).filter((f) => f.includes('.tmp'))).toEqual([])
  })

  test('an added archive installs offline even from a registry that requires checksums', async () => {
    const a = await buildArchive(makeTempDir('zoi-dl-'), 'hello', '1.0.0')
    const cacheDir = makeTempDir('zoi-cache-')
    await addToCache([a.path], { cacheDir, report: silent })
    const [got] = await fetchArchives([{ fileName: a.fileName, candidates: [], hashRequired: true }], { net: offline, cacheDir, pkgDirs: [], report: silent })
    expect(got).toMatchObject({ source: 'cache', hash: { origin: 'sidecar', hex: a.sha512 } })
  })

  test('the definition inside decides where a dashed name ends', async () => {
    const a = await buildArchive(makeTempDir('zoi-dl-'), 'lib-2', '1.0')
    const [added] = await addToCache([a.path], { cacheDir: makeTempDir('zoi-cache-'), report: silent })
    expect(added).toMatchObject({ name: 'lib-2', version: '1.0' })
  })

  test('a matching .hash beside is accepted; adding again replaces', async () => {
    const a = await buildArchive(makeTempDir('zoi-dl-'), 'hello', '1.0.0', { sidecars: true })
    const cacheDir = makeTempDir('zoi-cache-')
    await addToCache([a.path], { cacheDir, report: silent })
    const [again] = await addToCache([a.path], { cacheDir, report: silent })
    expect(again!.replaced).toBe(true)
  })

  test('junk is rejected naming each file, good files are still added, exit 6 at the end', async () => {
    const dir = makeTempDir('zoi-dl-')
    const good = await buildArchive(dir, 'good', '1.0.0')
    const text = join(dir, 'text-1.0.0-linux-amd64.pkg.tar.zst')
    writeFileSync(text, 'I am a README, renamed.\n')
    const whole = await buildArchive(makeTempDir(), 'cut', '1.0.0', { payloadBytes: 20_000 })
    const truncated = join(dir, whole.fileName)
    writeFileSync(truncated, readFileSync(whole.path).subarray(0, 9000))
    const lying = await buildArchive(makeTempDir('zoi-dl-'), 'lying', '1.0.0')
    writeFileSync(`${lying.path}.hash`, `${'ab'.repeat(64)}  ${lying.fileName}\n`)
    const noDef = join(dir, 'nodef-1.0.0-linux-amd64.pkg.tar.zst')
    const tree = makeTempDir('zoi-tree-')
    mkdirSync(join(tree, 'data/pkgstore'), { recursive: true })
    writeFileSync(join(tree, 'data/pkgstore/x'), 'x')
    await writeArchive(noDef, tree)
    const badName = join(dir, 'archive.pkg.tar.zst')
    writeFileSync(badName, readFileSync(good.path))

    const cacheDir = makeTempDir('zoi-cache-')
    const { report, events } = recordReports()
    const files = [text, good.path, truncated, lying.path, noDef, badName]
    const e = await rejection(addToCache(files, { cacheDir, report }))
    expect(e.code).toBe('INTEGRITY')
    expect(e.exitCode).toBe(6)
    expect(e.message).toContain('5 of 6 files were not added to the cache (1 added)')
    expect(e.message).toContain(`- '${text}' is not a zstd archive`)
    expect(e.message).toContain(`- '${truncated}': truncated zstd stream`)
    expect(e.message).toContain(`- checksum mismatch for '${lying.path}'`)
    expect(e.message).toContain(`- '${noDef}' has no <name>.pkg.lua at its root`)
    expect(e.message).toContain(`- '${badName}': the name does not follow`)
    expect(events.filter((ev) => ev.kind === 'warn')).toHaveLength(5)
    expect(readdirSync(cacheDir).sort()).toEqual([good.fileName, `${good.fileName}.files`, `${good.fileName}.hash`, `${good.fileName}.size`])
  })

  test('missing files alone → NOT_FOUND (exit 3); a folder is junk', async () => {
    const dir = makeTempDir('zoi-dl-')
    const e = await rejection(addToCache([join(dir, 'gone-1.0-linux-amd64.pkg.tar.zst')], { cacheDir: makeTempDir(), report: silent }))
    expect(e.exitCode).toBe(3)
    mkdirSync(join(dir, 'dir-1.0-linux-amd64.pkg.tar.zst'))
    const f = await rejection(addToCache([join(dir, 'dir-1.0-linux-amd64.pkg.tar.zst')], { cacheDir: makeTempDir(), report: silent }))
    expect(f.exitCode).toBe(6)
    expect(f.message).toContain('is not a regular file')
  })
})

describe('listCache and clearCache', () => {
  async function populated() {
    const cacheDir = makeTempDir('zoi-cache-')
    const dl = makeTempDir('zoi-dl-')
    const built = [await buildArchive(dl, 'zeta', '1.0.0'), await buildArchive(dl, 'alpha', '0.2.0')]
    await addToCache(built.map((b) => b.path), { cacheDir, report: silent })
    writeFileSync(join(cacheDir, 'beta-3.0.0-linux-amd64.pkg.tar.zst.part'), 'partial')
    mkdirSync(join(cacheDir, '.incoming'))
    writeFileSync(join(cacheDir, '.incoming', 'gamma-1.0.0-linux-amd64.pkg.tar.zst.part'), 'partial')
    writeFileSync(join(cacheDir, 'notes.txt'), 'mine')
    mkdirSync(join(cacheDir, 'keep'))
    writeFileSync(join(cacheDir, 'keep', 'x-1.0-linux-amd64.pkg.tar.zst'), 'not at the top level')
    return { cacheDir, built }
  }

  test('ls lists archives only (no .part, sidecar or foreign files), sorted, with sizes', async () => {
    const { cacheDir, built } = await populated()
    expect(await listCache(cacheDir)).toEqual([
      { fileName: built[1]!.fileName, name: 'alpha', version: '0.2.0', platform: 'linux-amd64', size: readFileSync(built[1]!.path).length },
      { fileName: built[0]!.fileName, name: 'zeta', version: '1.0.0', platform: 'linux-amd64', size: readFileSync(built[0]!.path).length },
    ])
    expect(await listCache(join(cacheDir, 'missing'))).toEqual([])
  })

  test('clear --dry-run says what it would remove and changes nothing; clear removes exactly that', async () => {
    const { cacheDir } = await populated()
    const before = readdirSync(cacheDir, { recursive: true }).sort()
    const planned = await clearCache(cacheDir, { dryRun: true })
    expect(readdirSync(cacheDir, { recursive: true }).sort()).toEqual(before)
    expect(planned).toEqual([
      '.incoming/gamma-1.0.0-linux-amd64.pkg.tar.zst.part',
      'alpha-0.2.0-linux-amd64.pkg.tar.zst',
      'alpha-0.2.0-linux-amd64.pkg.tar.zst.files',
      'alpha-0.2.0-linux-amd64.pkg.tar.zst.hash',
      'alpha-0.2.0-linux-amd64.pkg.tar.zst.size',
      'beta-3.0.0-linux-amd64.pkg.tar.zst.part',
      'zeta-1.0.0-linux-amd64.pkg.tar.zst',
      'zeta-1.0.0-linux-amd64.pkg.tar.zst.files',
      'zeta-1.0.0-linux-amd64.pkg.tar.zst.hash',
      'zeta-1.0.0-linux-amd64.pkg.tar.zst.size',
    ])
    expect(await clearCache(cacheDir)).toEqual(planned)
    expect(readdirSync(cacheDir, { recursive: true }).sort()).toEqual(['keep', 'keep/x-1.0-linux-amd64.pkg.tar.zst', 'notes.txt'])
    expect(existsSync(join(cacheDir, '.incoming'))).toBe(false)
    expect(await clearCache(join(cacheDir, 'missing'))).toEqual([])
  })
})

test('cache add carries the .sig beside an archive; re-adding without one drops the stale .sig', async () => {
  const downloads = makeTempDir('zoi-dl-')
  const a = await buildArchive(downloads, 'signed', '1.0.0')
  writeFileSync(`${a.path}.sig`, 'sig')
  const cacheDir = join(makeTempDir('zoi-cache-'), 'archives')
  await addToCache([a.path], { cacheDir, report: silent })
  expect(readFileSync(join(cacheDir, `${a.fileName}.sig`), 'utf8')).toBe('sig')
  expect((await listCache(cacheDir)).map((c) => c.name)).toEqual(['signed'])
  const other = makeTempDir('zoi-dl-')
  const b = await buildArchive(other, 'signed', '1.0.0')
  await addToCache([b.path], { cacheDir, report: silent })
  expect(existsSync(join(cacheDir, `${a.fileName}.sig`))).toBe(false)
})
