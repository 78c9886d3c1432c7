/** Which packages, versions and platforms a mirror carries. */
import { describe, expect, test } from 'bun:test'
import { archiveItems, selectPackages } from '../../../src/mirror/index.ts'
import type { PackageRow } from '../../../src/registry/index.ts'

function row(name: string, extra: Partial<PackageRow> = {}): PackageRow {
  return {
    id: 0, path: `core/${name}/${name}.pkg.lua`, name, repo: 'core', version: '1.0.0', revision: '1', description: '', bins: [], tags: [], types: [],
    platforms: [], subPackages: [], mainSubs: [], provides: [], conflicts: [], replaces: [], backup: [], channels: {}, dependencies: [], spec: {}, ...extra,
  }
}

const deps = (r: PackageRow) => r.dependencies.map((d) => d.raw)
const rows = [
  row('app', { dependencies: [{ kind: 'runtime', group: 'required', raw: 'lib' }] }),
  row('lib', { dependencies: [{ kind: 'runtime', group: 'required', raw: 'core/base' }] }),
  row('base'),
  row('other', { repo: 'extra', path: 'extra/other/other.pkg.lua' }),
]

describe('selectPackages', () => {
  test('named packages bring their dependencies from the same registry', () => {
    expect(selectPackages(rows, { all: false, names: ['app'], dependencies: deps }).map((r) => r.name)).toEqual(['app', 'lib', 'base'])
    expect(selectPackages(rows, { all: false, names: ['extra/other'], dependencies: deps }).map((r) => r.name)).toEqual(['other'])
  })

  test('--all takes everything; an unknown name is NOT_FOUND naming it', () => {
    expect(selectPackages(rows, { all: true, names: [], dependencies: deps })).toHaveLength(4)
    expect(() => selectPackages(rows, { all: false, names: ['app', 'nope'], dependencies: deps })).toThrow("package 'nope' not found in the mirrored registry")
  })
})

describe('archiveItems', () => {
  test('every version the definition names, only on platforms it admits', () => {
    const pkgs = [
      row('multi', { version: '2.0.0', channels: { stable: '2.0.0', beta: '3.0.0-rc1' } }),
      row('mac-only', { platforms: ['macos'] }),
    ]
    const linux = archiveItems(pkgs, { os: 'linux', arch: 'arm64' })
    expect(linux.map((i) => `${i.name}@${i.version} ${i.os}-${i.arch}`)).toEqual(['multi@2.0.0 linux-arm64', 'multi@3.0.0-rc1 linux-arm64'])
    expect(archiveItems(pkgs, { os: 'macos', arch: 'amd64' }).map((i) => i.name)).toEqual(['multi', 'multi', 'mac-only'])
  })
})
