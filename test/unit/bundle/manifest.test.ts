import { describe, expect, test } from 'bun:test'
import { isSafeBundlePath, parseManifest, roleOf, serializeManifest, type BundleManifest } from '../../../src/bundle/manifest.ts'
import { ZoiError } from '../../../src/errors.ts'

function expectZoiError(fn: () => unknown, code: string, text: string): void {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(ZoiError)
    expect((e as ZoiError).code).toBe(code as ZoiError['code'])
    expect((e as ZoiError).message).toContain(text)
    return
  }
  throw new Error('expected a ZoiError')
}

const sha = (c: string) => c.repeat(128)
const manifest = (): BundleManifest => ({
  format: 'zoi-bundle', version: 1, created: '2026-01-01T00:00:00.000Z', zoi: '0.1.0', requests: ['hello'], platforms: ['linux-amd64'],
  closure: 'runtime', registries: [{ handle: 'example', url: 'https://x/r.git', commit: 'a'.repeat(40), default: true, git: 'registry.git', index: 'registry/example.db' }],
  plans: { 'linux-amd64': [] },
  files: [
    { path: 'zoi/zoi-linux-amd64', sha512: sha('b'), size: 2, role: 'zoi' },
    { path: 'archives/a.pkg.tar.zst', sha512: sha('a'), size: 1, role: 'archive' },
  ],
  totals: { download: 1, install: 2 },
})

describe('bundle.json', () => {
  test('serialisation is canonical: files sorted, fixed key order, one trailing newline', () => {
    const text = serializeManifest(manifest())
    expect(text.endsWith('}\n')).toBe(true)
    expect(text.indexOf('archives/a.pkg.tar.zst')).toBeLessThan(text.indexOf('zoi/zoi-linux-amd64'))
    const shuffled = { ...manifest(), totals: { download: 1, install: 2 } }
    expect(serializeManifest(shuffled)).toBe(text)
    expect(parseManifest(text, 'b/bundle.json').requests).toEqual(['hello'])
  })

  test('a manifest naming a path out of the bundle is refused (exit 6)', () => {
    for (const path of ['../etc/passwd', '/etc/passwd', 'a/../../b', '.zoi/lock', 'a//b']) {
      const m = manifest()
      m.files[0]!.path = path
      expectZoiError(() => parseManifest(JSON.stringify(m), 'b/bundle.json'), 'INTEGRITY', 'unsafe file path')
    }
  })

  test('a path listed twice (among the files, or carried and inherited) is refused (exit 6)', () => {
    const twice = manifest()
    twice.files.push({ ...twice.files[1]! })
    expectZoiError(() => parseManifest(JSON.stringify(twice), 'b/bundle.json'), 'INTEGRITY', '"archives/a.pkg.tar.zst" is listed twice')
    const inherited = { ...manifest(), base: sha('c'), inherited: [{ path: 'zoi/zoi-linux-amd64', sha512: sha('d'), size: 2, role: 'zoi' as const }] }
    expectZoiError(() => parseManifest(JSON.stringify(inherited), 'b/bundle.json'), 'INTEGRITY', '"zoi/zoi-linux-amd64" is listed twice')
  })

  test('a bundled registry that borrows objects through alternates is refused (exit 6)', () => {
    for (const path of ['registry.git/objects/info/alternates', 'registry.git/objects/info/http-alternates']) {
      const m = manifest()
      m.files.push({ path, sha512: sha('e'), size: 20, role: 'registry' })
      expectZoiError(() => parseManifest(JSON.stringify(m), 'b/bundle.json'), 'INTEGRITY', `${path} borrows git objects from outside the bundle`)
    }
  })

  test('other formats, versions and bad hashes are refused', () => {
    expectZoiError(() => parseManifest('{"format":"x"}', 'b'), 'INTEGRITY', 'not a zoi bundle manifest')
    expectZoiError(() => parseManifest(JSON.stringify({ ...manifest(), version: 2 }), 'b'), 'INTEGRITY', 'not supported')
    const m = manifest()
    m.files[0]!.sha512 = 'zz'
    expectZoiError(() => parseManifest(JSON.stringify(m), 'b'), 'INTEGRITY', 'bad sha512')
    expectZoiError(() => parseManifest('not json', 'b'), 'INTEGRITY', 'not JSON')
  })

  test('roles and safe paths', () => {
    expect(roleOf('archives/x.zpa')).toBe('archive')
    expect(roleOf('registry.git/HEAD')).toBe('registry')
    expect(roleOf('sources/sha512/ab')).toBe('source')
    expect(roleOf('keys/a.asc')).toBe('key')
    expect(isSafeBundlePath('archives/x')).toBe(true)
    expect(isSafeBundlePath('')).toBe(false)
  })
})
