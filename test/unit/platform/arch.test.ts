import { expect, test } from 'bun:test'
import { hostPlatform, parsePlatform, platformAllowed } from '../../../src/platform/arch.ts'

test.each([
  ['linux', 'x64', 'linux-amd64'],
  ['darwin', 'arm64', 'macos-arm64'],
  ['win32', 'x64', 'windows-amd64'],
] as const)('hostPlatform(%s, %s)', (os, arch, expected) => {
  const p = hostPlatform(os, arch)
  expect(`${p.os}-${p.arch}`).toBe(expected)
})

test('unsupported host platform is refused', () => {
  expect(() => hostPlatform('linux', 'ia32')).toThrow('unsupported platform linux-ia32')
})

test.each([
  ['linux-amd64', { os: 'linux', arch: 'amd64' }],
  ['darwin-aarch64', { os: 'macos', arch: 'arm64' }],
  ['Windows-x86_64', { os: 'windows', arch: 'amd64' }],
])('parsePlatform(%p)', (s, expected) => {
  expect(parsePlatform(s)).toEqual(expected as never)
})

test.each(['linux', 'linux-386', 'beos-amd64', 'all'])('parsePlatform rejects %p', (s) => {
  expect(() => parsePlatform(s)).toThrow('unknown platform')
})

test.each([
  [[], 'linux-amd64', true],
  [['all'], 'windows-arm64', true],
  [['linux'], 'linux-arm64', true],
  [['linux-amd64'], 'linux-arm64', false],
  [['macos', 'windows'], 'linux-amd64', false],
  [['darwin'], 'macos-amd64', true],
] as const)('platformAllowed(%p, %s) = %p', (list, p, expected) => {
  expect(platformAllowed(list, parsePlatform(p))).toBe(expected)
})
