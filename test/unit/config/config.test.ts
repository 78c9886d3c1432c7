import { describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig, mergeConfigs, readConfigFile, updateConfigFile } from '../../../src/config/index.ts'
import { zoiFailure } from '../../support/expect-error.ts'
import { makeTempDir } from '../../support/run-cli.ts'

function write(text: string): string {
  const dir = makeTempDir()
  const file = join(dir, 'config.yaml')
  writeFileSync(file, text)
  return file
}


describe('reading', () => {
  test('a missing file is an empty config', async () => {
    expect(await readConfigFile('/nonexistent/zoi/config.yaml')).toEqual({})
  })

  test('known keys are read, unknown keys are ignored', async () => {
    const file = write('offline_mode: true\npkg_dirs: [/mnt/usb]\ntelemetry: yes\ndefault_registry: {url: /srv/reg}\n')
    expect(await readConfigFile(file)).toEqual({
      offline_mode: true,
      pkg_dirs: ['/mnt/usb'],
      default_registry: { handle: '', url: '/srv/reg' },
    })
  })

  test('a YAML syntax error is exit 2 naming the file and line', async () => {
    const file = write('offline_mode: true\npkg_dirs: [a, b\nrepos: []\n')
    const e = await zoiFailure(readConfigFile(file))
    expect(e.exitCode).toBe(2)
    expect(e.message).toStartWith(`${file}:`)
    expect(e.message).toMatch(/:\d+: invalid YAML/)
  })

  test.each([
    ['offline_mode: "yes"\n', 'offline_mode', 1],
    ['repos: [core]\npkg_dirs: /mnt/usb\n', 'pkg_dirs', 2],
    ['added_registries:\n  - handle: x\n', 'added_registries', 2],
    ['\n\ndefault_registry: 42\n', 'default_registry', 3],
  ])('a wrong type is exit 2 naming file, line and key (%p)', async (text, key, line) => {
    const file = write(text)
    const e = await zoiFailure(readConfigFile(file))
    expect(e.exitCode).toBe(2)
    expect(e.message).toContain(`${file}:${line}: key '${key}'`)
  })

  test('a plain file (read by the native parser) and the same values through anchors (the yaml library) give one config', async () => {
    const plain = write('offline_mode: true\npkg_dirs: [/a, /b]\nsource_mirrors:\n  - https://m1/zoi\ndefault_registry: {url: /srv/reg, handle: corp}\npolicy:\n  signature_enforcement: {enable: true, trusted_keys: [corp]}\n')
    const anchored = write('offline_mode: true\npkg_dirs: &dirs [/a, /b]\nsource_mirrors:\n  - https://m1/zoi\ndefault_registry: {url: /srv/reg, handle: corp}\npolicy:\n  signature_enforcement: {enable: true, trusted_keys: [corp]}\nx: *dirs\n')
    const a = await readConfigFile(plain)
    expect(a.pkg_dirs).toEqual(['/a', '/b'])
    expect(a.policy?.signature_enforcement?.enable).toBe(true)
    expect(await readConfigFile(anchored)).toEqual(a)
  })

  test('a wrong kind in a file the native parser reads still names its line', async () => {
    const e = await zoiFailure(readConfigFile(write('offline_mode: true\n\npkg_dirs: 3\n')))
    expect(e.exitCode).toBe(2)
    expect(e.message).toContain(":3: key 'pkg_dirs' must be a list of strings")
  })

  test('a top-level list is refused', async () => {
    const e = await zoiFailure(readConfigFile(write('- a\n- b\n')))
    expect(e.code).toBe('USAGE')
  })
})

describe('merging system then user', () => {
  test('scalars: the later file wins; lists: merged and de-duplicated', () => {
    const merged = mergeConfigs([
      { offline_mode: true, pkg_dirs: ['/a', '/b'], added_registries: [{ handle: 'x', url: 'u1' }] },
      { offline_mode: false, pkg_dirs: ['/b', '/c'], added_registries: [{ handle: 'x', url: 'u1' }, { handle: 'y', url: 'u2' }] },
    ])
    expect(merged.offline_mode).toBe(false)
    expect(merged.pkg_dirs).toEqual(['/a', '/b', '/c'])
    expect(merged.added_registries.map((r) => r.url)).toEqual(['u1', 'u2'])
  })

  test('loadConfig reads files in order and fills defaults', async () => {
    const sys = write('offline_mode: true\ncache_mirrors: [https://m1]\n')
    const user = write('cache_mirrors: [https://m2]\n')
    const c = await loadConfig([sys, user, '/nonexistent.yaml'])
    expect(c.offline_mode).toBe(true)
    expect(c.cache_mirrors).toEqual(['https://m1', 'https://m2'])
    expect(c.default_registry.url).toContain('Zoidberg')
    expect(c.repos).toEqual([])
  })
})

describe('writing back', () => {
  test('keeps keys and comments zoi does not know', async () => {
    const file = write('# my settings\ntelemetry: true # keep me\ncustom:\n  nested: [1, 2]\npkg_dirs: [/old]\n')
    await updateConfigFile(file, (cur) => ({ pkg_dirs: [...(cur.pkg_dirs ?? []), '/new'] }))
    const text = readFileSync(file, 'utf8')
    expect(text).toContain('# my settings')
    expect(text).toContain('telemetry: true # keep me')
    expect(text).toContain('nested: [ 1, 2 ]')
    expect(await readConfigFile(file)).toEqual({ pkg_dirs: ['/old', '/new'] })
  })

  test('creates the file and its folder when missing', async () => {
    const dir = makeTempDir()
    const file = join(dir, 'deep', 'er', 'config.yaml')
    await updateConfigFile(file, () => ({ offline_mode: true }))
    expect(await readConfigFile(file)).toEqual({ offline_mode: true })
  })

  test('refuses to overwrite a file it cannot parse', async () => {
    const file = write('pkg_dirs: [unclosed\n')
    const before = readFileSync(file, 'utf8')
    const e = await zoiFailure(updateConfigFile(file, () => ({ offline_mode: true })))
    expect(e.exitCode).toBe(2)
    expect(readFileSync(file, 'utf8')).toBe(before)
  })
})

test('an empty file is valid', async () => {
  const dir = makeTempDir()
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'c.yaml')
  writeFileSync(file, '')
  expect(await readConfigFile(file)).toEqual({})
  await updateConfigFile(file, () => ({ repos: ['core'] }))
  expect(await readConfigFile(file)).toEqual({ repos: ['core'] })
})

describe('trust anchors (SPEC §10)', () => {
  test('authorities and policy.signature_enforcement are read; a sync-style rewrite keeps authorities', async () => {
    const file = write('default_registry:\n  url: /r\n  authorities: [alice, ABCDEF0123456789]\npolicy:\n  signature_enforcement:\n    enable: true\n    trusted_keys: [corp]\n')
    const c = await readConfigFile(file)
    expect(c.default_registry).toEqual({ handle: '', url: '/r', authorities: ['alice', 'ABCDEF0123456789'] })
    expect(c.policy).toEqual({ signature_enforcement: { enable: true, trusted_keys: ['corp'] } })
    await updateConfigFile(file, (cur) => ({ default_registry: { ...cur.default_registry!, handle: 'r' } }))
    expect((await readConfigFile(file)).default_registry?.authorities).toEqual(['alice', 'ABCDEF0123456789'])
  })

  test('a later file replaces the enforcement block whole; no policy means none', () => {
    expect(mergeConfigs([]).policy).toEqual({})
    const merged = mergeConfigs([
      { policy: { signature_enforcement: { enable: true, trusted_keys: ['a'] } } },
      { policy: { signature_enforcement: { enable: false, trusted_keys: [] } } },
    ])
    expect(merged.policy.signature_enforcement).toEqual({ enable: false, trusted_keys: [] })
  })

  test.each([
    ['authorities: a string', 'default_registry: {url: /r, authorities: alice}\n'],
    ['trusted_keys: a number', 'policy: {signature_enforcement: {enable: true, trusted_keys: 3}}\n'],
    ['enable: a string', 'policy: {signature_enforcement: {enable: "yes"}}\n'],
  ])('%s is exit 2', async (_, text) => {
    const e = await zoiFailure(readConfigFile(write(text)))
    expect(e.exitCode).toBe(2)
  })
})

describe('registry credentials', () => {
  test('a config holding a password in a URL is written 0600; one without keeps 0644', async () => {
    const dir = makeTempDir()
    const plain = join(dir, 'plain.yaml')
    await updateConfigFile(plain, () => ({ default_registry: { handle: '', url: 'https://host/r.git' } }))
    expect(statSync(plain).mode & 0o777).toBe(0o644)
    const secret = join(dir, 'secret.yaml')
    await updateConfigFile(secret, () => ({ added_registries: [{ handle: '', url: 'https://me:pw@host/r.git' }] }))
    expect(statSync(secret).mode & 0o777).toBe(0o600)
  })

  test('the same registry without credentials (a root config) keeps the earlier URL with them', () => {
    const user = { default_registry: { handle: '', url: 'https://me:pw@host/r.git' }, added_registries: [{ handle: '', url: 'https://me:pw@host/x.git' }] }
    const root = { default_registry: { handle: 'r', url: 'https://host/r.git' }, added_registries: [{ handle: 'x', url: 'https://host/x.git' }] }
    const merged = mergeConfigs([user, root])
    expect(merged.default_registry).toEqual({ handle: 'r', url: 'https://me:pw@host/r.git' })
    expect(merged.added_registries).toEqual([{ handle: 'x', url: 'https://me:pw@host/x.git' }])
    // A different registry still overrides.
    expect(mergeConfigs([user, { default_registry: { handle: '', url: 'https://other/r.git' } }]).default_registry.url).toBe('https://other/r.git')
  })
})
