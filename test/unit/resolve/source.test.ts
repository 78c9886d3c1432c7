// Install source strings (SPEC §3): what each spelling parses to, and what is refused.
import { describe, expect, test } from 'bun:test'
import { isZoiError } from '../../../src/errors.ts'
import { parseInstallArgument, parseSource } from '../../../src/resolve/index.ts'

// prettier-ignore
const TABLE: [string, Record<string, string>][] = [
  ['vim', { kind: 'name', name: 'vim' }],
  ['Vim', { kind: 'name', name: 'vim' }],
  ['vim@9.1.0', { kind: 'name', name: 'vim', versionSpec: '9.1.0' }],
  ['vim@beta', { kind: 'name', name: 'vim', versionSpec: 'beta' }],
  ['vim@@beta', { kind: 'name', name: 'vim', channel: 'beta' }],
  ['vim@^9', { kind: 'name', name: 'vim', versionSpec: '^9' }],
  ['@core/vim', { kind: 'name', repo: 'core', name: 'vim' }],
  ['core/vim', { kind: 'name', repo: 'core', name: 'vim' }],
  ['@Core/linux/amd64/nvidia-driver', { kind: 'name', repo: 'core/linux/amd64', name: 'nvidia-driver' }],
  ['#corp@extra/pkg:sub@v2.0.0', { kind: 'name', handle: 'corp', repo: 'extra', name: 'pkg', sub: 'sub', versionSpec: 'v2.0.0' }],
  ['#corp@pkg', { kind: 'name', handle: 'corp', name: 'pkg' }],
  ['pkg:dev', { kind: 'name', name: 'pkg', sub: 'dev' }],
  ['pkg:dev@@nightly', { kind: 'name', name: 'pkg', sub: 'dev', channel: 'nightly' }],
  ['g++', { kind: 'name', name: 'g++' }],
  ['./tools/hello.pkg.lua', { kind: 'definition-file', path: './tools/hello.pkg.lua', name: 'hello' }],
  ['./Split.pkg.lua:dev@1.0.0', { kind: 'definition-file', path: './Split.pkg.lua', name: 'split', sub: 'dev', versionSpec: '1.0.0' }],
  ['/abs/x.pkg.lua@@alpha', { kind: 'definition-file', path: '/abs/x.pkg.lua', name: 'x', channel: 'alpha' }],
  ['hello.pkg.lua', { kind: 'definition-file', path: 'hello.pkg.lua', name: 'hello' }],
  ['./vim-9.1.0-linux-amd64.pkg.tar.zst', { kind: 'archive-file', path: './vim-9.1.0-linux-amd64.pkg.tar.zst', name: 'vim', version: '9.1.0', platform: 'linux-amd64' }],
  ['../my-tool2-1.0.0-rc.1-macos-arm64.pkg.tar.zst', { kind: 'archive-file', path: '../my-tool2-1.0.0-rc.1-macos-arm64.pkg.tar.zst', name: 'my-tool2', version: '1.0.0-rc.1', platform: 'macos-arm64' }],
  ['./odd.pkg.tar.zst', { kind: 'archive-file', path: './odd.pkg.tar.zst' }],
]

describe('parseSource', () => {
  test.each(TABLE)('%p', (text, expected) => {
    expect(parseSource(text)).toEqual({ raw: text, ...expected } as never)
  })

  // prettier-ignore
  test.each([
    '', '   ', '@', 'vim@', 'vim@@', 'vim@1.0@2', 'vim:', 'vim extra', '#corp', '#corp@', './notes.txt',
    '/usr/bin/vim', 'https://example.com/x.pkg.lua', './x.pkg.lua:', './x.pkg.lua#sha256',
  ])('%p is a USAGE error naming it', (text) => {
    let error: unknown
    try {
      parseSource(text)
    } catch (e) {
      error = e
    }
    expect(isZoiError(error, 'USAGE')).toBe(true)
    expect((error as Error).message).toContain(`'${text.trim()}'`)
  })
})

describe('parseInstallArgument', () => {
  test('external managers become dependencies, zoi: is dropped, the rest are sources', () => {
    expect(parseInstallArgument('apt:curl')).toMatchObject({ manager: 'apt', name: 'curl' })
    expect(parseInstallArgument('zoi:vim@9')).toEqual({ kind: 'name', raw: 'zoi:vim@9', name: 'vim', versionSpec: '9' })
    expect(parseInstallArgument('vim:dev')).toEqual({ kind: 'name', raw: 'vim:dev', name: 'vim', sub: 'dev' })
    expect(parseInstallArgument('C:\\pkgs\\x.pkg.lua')).toMatchObject({ kind: 'definition-file', name: 'x' })
  })
})
