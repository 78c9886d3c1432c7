import { describe, expect, test } from 'bun:test'
import { parseFilesSidecar } from '../../../src/archive/sidecars.ts'
import { parseZpaManifest, splitZpaPath, zpaFileList } from '../../../src/archive/zpa-manifest.ts'
import { isZoiError } from '../../../src/errors.ts'

const HASH = `sha256-${'ab'.repeat(32)}`
const manifest = (scope: Record<string, unknown>) => JSON.stringify({ version: '2', pool: {}, mappings: { '': { scopes: { user: scope } } } })

function codeOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    return isZoiError(e) ? e.code : 'not a ZoiError'
  }
  return undefined
}

describe('parseZpaManifest', () => {
  test("Zoi's shape: decimal modes, owners ignored, setuid bits dropped", () => {
    const m = parseZpaManifest(manifest({
      files: [{ dest: '${pkgstore}/bin/x', hash: HASH, mode: 0o4755, owner: 'root', group: 'root' }],
      symlinks: [{ link: '${pkgstore}/bin/y', target: 'x' }],
      dirs: [{ path: '${pkgstore}/bin', mode: 493 }],
    }), 'a.zpa')
    const user = m.mappings.get('')!.get('user')!
    expect(user.files).toEqual([{ dest: { root: 'pkgstore', rel: 'bin/x' }, pool: HASH, mode: 0o755 }])
    expect(zpaFileList(m)).toEqual(['${pkgstore}/bin/', '${pkgstore}/bin/x', '${pkgstore}/bin/y'])
  })

  test.each([
    ['${createpkgdir}/x', 'UNSAFE_PATH'],
    ['bin/x', 'UNSAFE_PATH'],
    ['/etc/passwd', 'UNSAFE_PATH'],
    ['${pkgstore}/../x', 'UNSAFE_PATH'],
    ['${usrroot}//etc/x', 'UNSAFE_PATH'],
    ['${pkgstore}x', 'UNSAFE_PATH'],
  ])('destination %p is refused (%s)', (dest, code) => {
    expect(codeOf(() => splitZpaPath(dest, 'a.zpa'))).toBe(code)
  })

  test.each([
    ['not json', 'INTEGRITY'],
    [JSON.stringify({ mappings: [] }), 'INTEGRITY'],
    [manifest({ files: [{ dest: '${pkgstore}/x', hash: '../../etc/passwd' }] }), 'INTEGRITY'],
    [manifest({ files: 'x' }), 'INTEGRITY'],
    [JSON.stringify({ mappings: { '../up': { scopes: {} } } }), 'INTEGRITY'],
  ])('malformed manifest %p is %s', (text, code) => {
    expect(codeOf(() => parseZpaManifest(text, 'a.zpa'))).toBe(code)
  })
})

test('.files sidecars: data/ paths and Zoi destinations (no trailing newline)', () => {
  expect(parseFilesSidecar('${pkgstore}/bin/\n${pkgstore}/bin/hello')).toEqual(['${pkgstore}/bin/', '${pkgstore}/bin/hello'])
  expect(parseFilesSidecar('data/pkgstore/bin/hello\n')).toEqual(['data/pkgstore/bin/hello'])
  expect(() => parseFilesSidecar('${pkgstore}/../x')).toThrow()
  expect(() => parseFilesSidecar('${nope}/x')).toThrow()
})
