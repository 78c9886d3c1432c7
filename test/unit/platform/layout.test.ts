import { describe, expect, test } from 'bun:test'
import { layoutFor, rebase } from '../../../src/platform/layout.ts'

const PATH_KEYS = ['configWriteFile', 'dbDir', 'installedDb', 'storeDir', 'binDir', 'cacheDir', 'pgpDir', 'sourceCacheDir', 'lockFile', 'tmpDir', 'usrRoot', 'usrHome'] as const

describe('user scope', () => {
  const l = layoutFor({ home: '/home/alice', platform: 'linux' })
  test.each([
    ['configWriteFile', '/home/alice/.zoi/pkgs/config.yaml'],
    ['dbDir', '/home/alice/.zoi/pkgs/db'],
    ['installedDb', '/home/alice/.zoi/pkgs/db/local.db'],
    ['storeDir', '/home/alice/.zoi/pkgs/store'],
    ['binDir', '/home/alice/.zoi/pkgs/bin'],
    ['cacheDir', '/home/alice/.zoi/cache/archives'],
    ['pgpDir', '/home/alice/.zoi/pgps'],
    ['sourceCacheDir', '/home/alice/.zoi/cache/sources'],
    ['lockFile', '/home/alice/.zoi/pkgs/lock'],
    ['usrHome', '/home/alice'],
  ] as const)('%s = %s', (key, expected) => {
    expect(l[key]).toBe(expected)
  })
  test('reads the system config, then the user config', () => {
    expect(l.configFiles).toEqual(['/etc/zoi/config.yaml', '/home/alice/.zoi/pkgs/config.yaml'])
    expect(l.scope).toBe('user')
    expect(l.root).toBeNull()
    expect(l.fallbackDbDirs).toEqual(['/var/lib/zoi/pkgs/db'])
    // Keys a machine administrator put in the system keyring are visible to users too.
    expect(l.pgpDirs).toEqual(['/home/alice/.zoi/pgps', '/etc/zoi/pgps'])
  })
})

describe('system scope without --root', () => {
  const l = layoutFor({ home: '/root', scope: 'system', platform: 'linux' })
  test.each([
    ['dbDir', '/var/lib/zoi/pkgs/db'],
    ['installedDb', '/var/lib/zoi/pkgs/db/local.db'],
    ['storeDir', '/var/lib/zoi/pkgs/store'],
    ['binDir', '/usr/local/bin'],
    ['cacheDir', '/var/cache/zoi/archives'],
    ['pgpDir', '/etc/zoi/pgps'],
    ['sourceCacheDir', '/var/cache/zoi/sources'],
    ['usrRoot', '/'],
  ] as const)('%s = %s', (key, expected) => {
    expect(l[key]).toBe(expected)
  })
})

describe('--root re-bases every path', () => {
  const l = layoutFor({ home: '/home/alice', root: '/mnt/new-disk', platform: 'linux' })
  test('implies system scope', () => {
    expect(l.scope).toBe('system')
    expect(l.root).toBe('/mnt/new-disk')
  })
  test.each([
    ['configWriteFile', '/mnt/new-disk/etc/zoi/config.yaml'],
    ['dbDir', '/mnt/new-disk/var/lib/zoi/pkgs/db'],
    ['installedDb', '/mnt/new-disk/var/lib/zoi/pkgs/db/local.db'],
    ['storeDir', '/mnt/new-disk/var/lib/zoi/pkgs/store'],
    ['binDir', '/mnt/new-disk/usr/local/bin'],
    ['cacheDir', '/mnt/new-disk/var/cache/zoi/archives'],
    ['pgpDir', '/mnt/new-disk/etc/zoi/pgps'],
    ['sourceCacheDir', '/mnt/new-disk/var/cache/zoi/sources'],
    ['lockFile', '/mnt/new-disk/var/lib/zoi/pkgs/lock'],
    ['tmpDir', '/mnt/new-disk/var/lib/zoi/pkgs/tmp'],
    ['usrRoot', '/mnt/new-disk'],
    ['usrHome', '/mnt/new-disk/home/alice'],
  ] as const)('%s = %s', (key, expected) => {
    expect(l[key]).toBe(expected)
  })
  test('no written path lies outside the root', () => {
    for (const key of PATH_KEYS) expect(l[key].startsWith('/mnt/new-disk')).toBe(true)
    expect(l.pgpDirs).toEqual(['/mnt/new-disk/etc/zoi/pgps'])
  })
  test("the host's registries are only fallbacks to read", () => {
    expect(l.fallbackDbDirs).toContain('/home/alice/.zoi/pkgs/db')
    expect(l.configFiles).toEqual(['/home/alice/.zoi/pkgs/config.yaml', '/mnt/new-disk/etc/zoi/config.yaml'])
  })
  test('a relative root is made absolute', () => {
    const rel = layoutFor({ home: '/h', root: 'disk', platform: 'linux' })
    expect(rel.root).toBe(`${process.cwd()}/disk`)
    expect(rel.storeDir).toBe(`${process.cwd()}/disk/var/lib/zoi/pkgs/store`)
  })
})

test('rebase strips the leading slash', () => {
  expect(rebase('/mnt/x', '/etc/zoi/config.yaml')).toBe('/mnt/x/etc/zoi/config.yaml')
  expect(rebase('/mnt/x', 'usr/bin/git')).toBe('/mnt/x/usr/bin/git')
})
