import { expect, test } from 'bun:test'
import { zoiDependencyName } from '../../../src/store/index.ts'

test.each([
  ['zoi:openssl@^3', 'openssl'],
  ['zoi:@core/foo', 'foo'],
  ['zoi:@core/foo@1.2', 'foo'],
  ['zoi:#zoidberg@core/linux/amd64/nvidia-driver@>=550', 'nvidia-driver'],
  ['openssl>=3', 'openssl'],
  ['OpenSSL', 'openssl'],
  ['zoi:ccache:faster rebuilds', 'ccache'],
  ['ccache:faster rebuilds', 'ccache'],
  ['zoi:foo:dev@^1', 'foo'],
  ['  zoi:make  ', 'make'],
  ['native:zlib', null],
  ['npm:@types/node@20', null],
  ['apt:libssl-dev', null],
  ['', null],
] as const)('%p names %p', (text, name) => {
  expect(zoiDependencyName(text)).toBe(name)
})
