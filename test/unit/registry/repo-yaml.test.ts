import { describe, expect, test } from 'bun:test'
import { archiveCandidates, archiveNameFor, archiveUrl, expandPlaceholders, parseRepoYaml } from '../../../src/registry/repo-yaml.ts'

const VIM = { name: 'vim', version: '9.1.0', repo: 'core/editors', os: 'linux', arch: 'amd64' }

describe('parseRepoYaml', () => {
  test('the seed example', () => {
    const r = parseRepoYaml(`name: MyCorp-Registry
pkg:
  - type: main
    url: https://bin.yourcorp.com/pkgs/{repo}/{os}/{arch}/{version}
    hash: https://bin.yourcorp.com/pkgs/{repo}/{os}/{arch}/{version}/{name}-{version}-{platform}.pkg.tar.zst.hash
`)
    expect(r.handle).toBe('mycorp-registry')
    expect(r.pkg).toHaveLength(1)
    expect(r.pkg[0]!.hash).toContain('{platform}.pkg.tar.zst.hash')
    expect(r.git).toEqual([])
    expect(r.repos).toEqual([])
  })

  test('lenient: unknown keys and malformed entries are skipped', () => {
    const r = parseRepoYaml('name: x\nfuture: 1\ngit: [{type: mirror, url: http://m}, 42, {type: main}]\nrepos: [{name: core}, {name: extra, active: false}]\n')
    expect(r.git).toEqual([{ type: 'mirror', url: 'http://m' }])
    expect(r.repos).toEqual([{ name: 'core', type: '', active: true }, { name: 'extra', type: '', active: false }])
  })

  test.each([
    ['description: no name\n', "'name' is required"],
    ['name: [1]\n', "'name' is required"],
    ['name: ../evil\n', 'cannot be used as a handle'],
    ['name: local\n', 'cannot be used as a handle'],
    ['name: [unclosed\n', 'invalid YAML'],
    ['- a\n', 'expected a mapping'],
  ])('rejects %p', (text, message) => {
    expect(() => parseRepoYaml(text, 'reg/repo.yaml')).toThrow(message)
  })

  test.each(['url', 'hash', 'size', 'files', 'pgp'])('a file:// pkg %s link is refused, not read', (key) => {
    const link = { url: 'https://bin.example/{version}', [key]: 'file:///etc/passwd' }
    const yaml = `name: x\npkg:\n  - ${Object.entries(link).map(([k, v]) => `${k}: ${v}`).join('\n    ')}\n`
    expect(() => parseRepoYaml(yaml, 'x/repo.yaml')).toThrow(`x/repo.yaml: pkg link '${key}' must be an http(s) or oci:// URL`)
  })

  test('a bare local path as a pkg link is refused', () => {
    expect(() => parseRepoYaml('name: x\npkg: [{url: /srv/pkgs}]\n')).toThrow("pkg link 'url' must be an http(s) or oci:// URL")
  })
})

describe('placeholders', () => {
  test('SPEC §3 example', () => {
    expect(archiveUrl({ type: 'main', url: 'https://bin.corp/pkgs/{repo}/{os}/{arch}/{version}' }, VIM)).toBe(
      'https://bin.corp/pkgs/core/editors/linux/amd64/9.1.0/vim-9.1.0-linux-amd64.pkg.tar.zst',
    )
  })
  test('{id} and {platform}', () => {
    expect(expandPlaceholders('{id}/{platform}/{name}', VIM)).toBe('core.editors.vim/linux-amd64/vim')
  })
  test('a url that already names the archive is used as is', () => {
    expect(archiveUrl({ type: 'main', url: 'https://x/{name}-{version}-{platform}.pkg.tar.zst' }, VIM)).toBe('https://x/vim-9.1.0-linux-amd64.pkg.tar.zst')
  })
})

test('candidates: mains, then mirrors, then cache_mirrors (Zoi used only one)', () => {
  const c = archiveCandidates(
    [
      { type: 'mirror', url: 'https://mirror/{repo}' },
      { type: 'main', url: 'https://main/{repo}', hash: 'https://main/h/{name}.hash' },
    ],
    ['https://flat/zoi/'],
    VIM,
  )
  expect(c.map((x) => x.url)).toEqual([
    'https://main/core/editors/vim-9.1.0-linux-amd64.pkg.tar.zst',
    'https://mirror/core/editors/vim-9.1.0-linux-amd64.pkg.tar.zst',
    'https://flat/zoi/vim-9.1.0-linux-amd64.pkg.tar.zst',
  ])
  expect(c[0]!.hashUrl).toBe('https://main/h/vim.hash')
  expect(c[1]!.hashUrl).toBe('https://mirror/core/editors/vim-9.1.0-linux-amd64.pkg.tar.zst.hash')
  expect(c[2]!.sizeUrl).toBe('https://flat/zoi/vim-9.1.0-linux-amd64.pkg.tar.zst.size')
})

test("signature URLs: the link's pgp: template, else <archive URL>.sig, and every mirror's", () => {
  const c = archiveCandidates(
    [
      { type: 'main', url: 'https://main/{repo}', pgp: 'https://keys/{name}-{version}.sig' },
      { type: 'mirror', url: 'https://mirror/{repo}' },
    ],
    ['https://flat/zoi'],
    VIM,
  )
  expect(c.map((x) => x.sigUrl)).toEqual([
    'https://keys/vim-9.1.0.sig',
    'https://mirror/core/editors/vim-9.1.0-linux-amd64.pkg.tar.zst.sig',
    'https://flat/zoi/vim-9.1.0-linux-amd64.pkg.tar.zst.sig',
  ])
})

test('repo.yaml pgp: entries are read as {name, key}; malformed ones skipped', () => {
  const r = parseRepoYaml('name: x\npgp:\n  - {name: corp, key: https://corp/key.asc}\n  - {name: 3}\n  - nope\n')
  expect(r.keys).toEqual([{ name: 'corp', key: 'https://corp/key.asc' }])
})

describe('Zoi link types and .zpa/.zsa names (SPEC §9)', () => {
  const ZOIDBERG = parseRepoYaml(`name: Zoidberg
pkg:
  - type: source-main
    url: https://gl/generic/{id}/{version}/{name}-{version}.zsa
  - type: main
    url: https://gl/generic/{id}/{version}/{name}-{version}-{platform}.zpa
    hash: https://gl/generic/{id}/{version}/{name}-{version}-{platform}.zpa.hash
  - type: mirror
    url: https://m/{name}-{version}-{platform}.zpa
  - type: source-mirror
    url: https://m/src/{version}
  - type: someday
    url: https://ignored
`)

  test('the four types are kept apart; unknown types are skipped', () => {
    expect(ZOIDBERG.pkg.map((l) => l.type)).toEqual(['source-main', 'main', 'mirror', 'source-mirror'])
  })

  test('the archive file name is the last segment of the first binary link (Zoi\'s rule)', () => {
    expect(archiveNameFor(ZOIDBERG.pkg, VIM)).toBe('vim-9.1.0-linux-amd64.zpa')
    expect(archiveNameFor(ZOIDBERG.pkg, VIM, true)).toBe('vim-9.1.0.zsa')
    expect(archiveNameFor([], VIM)).toBe('vim-9.1.0-linux-amd64.pkg.tar.zst')
  })

  test('binary candidates: main then mirror, never a source link; cache_mirrors use the link name', () => {
    const c = archiveCandidates(ZOIDBERG.pkg, ['https://flat'], VIM)
    expect(c.map((x) => x.url)).toEqual([
      'https://gl/generic/core.editors.vim/9.1.0/vim-9.1.0-linux-amd64.zpa',
      'https://m/vim-9.1.0-linux-amd64.zpa',
      'https://flat/vim-9.1.0-linux-amd64.zpa',
    ])
    expect(c[0]!.hashUrl).toBe('https://gl/generic/core.editors.vim/9.1.0/vim-9.1.0-linux-amd64.zpa.hash')
    expect(c[1]!.sigUrl).toBe('https://m/vim-9.1.0-linux-amd64.zpa.sig')
  })

  test('source candidates: source-main then source-mirror, a folder link gets <name>-<version>.zsa', () => {
    expect(archiveCandidates(ZOIDBERG.pkg, [], VIM, true).map((x) => x.url)).toEqual([
      'https://gl/generic/core.editors.vim/9.1.0/vim-9.1.0.zsa',
      'https://m/src/9.1.0/vim-9.1.0.zsa',
    ])
  })
})
