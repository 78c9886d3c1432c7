/** Archive file names: `<name>-<version>-<os>-<arch>.pkg.tar.zst`, and which cache files are ours. */
import { expect, test } from 'bun:test'
import { isCacheOwnedFile } from '../../../src/cache/archive-name.ts'
import { parseArchiveName } from '../../../src/cache/index.ts'

test.each([
  ['hello-1.0.0-linux-amd64.pkg.tar.zst', undefined, ['hello', '1.0.0', 'linux-amd64']],
  ['my-tool-2.1.0-rc1-macos-arm64.pkg.tar.zst', undefined, ['my-tool', '2.1.0-rc1', 'macos-arm64']],
  ['go-v1.22-windows-amd64.pkg.tar.zst', undefined, ['go', 'v1.22', 'windows-amd64']],
  ['tool-latest-linux-386.pkg.tar.zst', undefined, ['tool', 'latest', 'linux-386']],
  ['lib-2-1.0-linux-amd64.pkg.tar.zst', 'lib-2', ['lib-2', '1.0', 'linux-amd64']],
] as const)('%s → name, version, platform', (fileName, known, [name, version, platform]) => {
  expect(parseArchiveName(fileName, known)).toEqual({ fileName, name, version, platform })
})

test.each([
  'archive.pkg.tar.zst',
  'hello-1.0.0-solaris-amd64.pkg.tar.zst',
  'hello-1.0.0-linux-amd64.tar.gz',
  'hello--linux-amd64.pkg.tar.zst',
  'dir/hello-1.0.0-linux-amd64.pkg.tar.zst',
])('%s is not an archive name', (fileName) => {
  expect(parseArchiveName(fileName)).toBeUndefined()
})

test('a known name must prefix the file name and leave a version', () => {
  expect(parseArchiveName('hello-1.0-linux-amd64.pkg.tar.zst', 'other')).toBeUndefined()
  expect(parseArchiveName('hello-1.0-linux-amd64.pkg.tar.zst', 'hello-1.0')).toBeUndefined()
})

test.each([
  ['a-1-linux-amd64.pkg.tar.zst', true],
  ['a-1-linux-amd64.pkg.tar.zst.hash', true],
  ['a-1-linux-amd64.pkg.tar.zst.part', true],
  ['a-1-linux-amd64.pkg.tar.zst.sig', true],
  ['a-1-linux-amd64.pkg.tar.zst.hash.tmp', true],
  ['a-1-linux-amd64.pkg.tar.zst.tmp-123-abc', true],
  ['notes.txt', false],
  ['a-1-linux-amd64.pkg.tar.zst.bak', false],
  ['config.yaml', false],
] as const)('cache clear owns %s: %p', (name, owned) => {
  expect(isCacheOwnedFile(name)).toBe(owned)
})
