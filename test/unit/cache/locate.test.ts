/** locateArchive (SPEC §7 step 2): pkg-dirs in order, then the cache; sidecars beside are read. */
import { describe, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { locateArchive } from '../../../src/cache/index.ts'
import { makeTempDir } from '../../support/run-cli.ts'
import { buildArchive, rejection } from './cache-fixtures.ts'

const NAME = 'vim-9.1.0-linux-amd64.pkg.tar.zst'

function dirWith(content: string): string {
  const dir = makeTempDir('zoi-locate-')
  writeFileSync(join(dir, NAME), content)
  return dir
}

describe('lookup order', () => {
  test('a pkg-dir beats the cache', async () => {
    const pkgDir = dirWith('pkg')
    const cacheDir = dirWith('cache')
    expect(await locateArchive({ fileName: NAME, pkgDirs: [pkgDir], cacheDir })).toEqual({ path: join(pkgDir, NAME), source: 'pkg-dir', sidecars: {} })
  })

  test('the first pkg-dir that holds it wins', async () => {
    const empty = makeTempDir('zoi-locate-')
    const a = dirWith('a')
    const b = dirWith('b')
    expect((await locateArchive({ fileName: NAME, pkgDirs: [empty, a, b], cacheDir: empty }))?.path).toBe(join(a, NAME))
    expect((await locateArchive({ fileName: NAME, pkgDirs: [b, a], cacheDir: empty }))?.path).toBe(join(b, NAME))
  })

  test('falls back to the cache, and is undefined when nowhere', async () => {
    const cacheDir = dirWith('cache')
    const empty = makeTempDir('zoi-locate-')
    expect(await locateArchive({ fileName: NAME, pkgDirs: [empty, join(empty, 'missing')], cacheDir })).toMatchObject({ source: 'cache' })
    expect(await locateArchive({ fileName: NAME, pkgDirs: [], cacheDir: empty })).toBeUndefined()
  })

  test('matches the exact file name only, and a folder of that name is no match', async () => {
    const pkgDir = makeTempDir('zoi-locate-')
    mkdirSync(join(pkgDir, NAME))
    writeFileSync(join(pkgDir, 'vim-9.1.1-linux-amd64.pkg.tar.zst'), 'other version')
    const cacheDir = dirWith('cache')
    expect((await locateArchive({ fileName: NAME, pkgDirs: [pkgDir], cacheDir }))?.source).toBe('cache')
  })
})

describe('sidecars beside the archive (SPEC FIX)', () => {
  test('.hash, .size and .files next to a pkg-dir archive are read', async () => {
    const pkgDir = makeTempDir('zoi-locate-')
    const a = await buildArchive(pkgDir, 'vim', '9.1.0', { sidecars: true })
    const found = await locateArchive({ fileName: a.fileName, pkgDirs: [pkgDir], cacheDir: makeTempDir() })
    expect(found?.sidecars.hash).toEqual({ algorithm: 'sha512', hex: a.sha512 })
    expect(found?.sidecars.size?.down).toBe(Bun.file(a.path).size)
    expect(found?.sidecars.files).toEqual(['data/pkgstore/bin/vim'])
  })

  test('a bare SHA-256 beside the archive is accepted', async () => {
    const cacheDir = dirWith('x')
    writeFileSync(join(cacheDir, `${NAME}.hash`), `${'0f'.repeat(32)}\n`)
    const found = await locateArchive({ fileName: NAME, pkgDirs: [], cacheDir })
    expect(found?.sidecars).toEqual({ hash: { algorithm: 'sha256', hex: '0f'.repeat(32) } })
  })

  test('an HTML page saved as .hash is refused, naming the sidecar', async () => {
    const pkgDir = dirWith('x')
    writeFileSync(join(pkgDir, `${NAME}.hash`), '<!doctype html><html><body>404</body></html>')
    const e = await rejection(locateArchive({ fileName: NAME, pkgDirs: [pkgDir], cacheDir: makeTempDir() }))
    expect(e.exitCode).toBe(6)
    expect(e.message).toContain(join(pkgDir, `${NAME}.hash`))
  })
})
