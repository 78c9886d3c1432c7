import { afterAll, expect, test } from 'bun:test'
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { layoutFor } from '../../../src/platform/layout.ts'
import { absolutePath, locate, packageDirName, storeId } from '../../../src/store/index.ts'
import { entryPath, resolvedPath } from '../../../src/store/store-paths.ts'
import { removeTempDirs, tempDir } from './store-fixtures.ts'

afterAll(removeTempDirs)

test('id32 is the first 32 hex chars of sha512("#<handle>@<repo>/<name>")', () => {
  expect(storeId({ handle: 'zoidberg', repo: 'core', name: 'hello' })).toBe('4925502aa093bf050a98ad1f4519a9f5')
  expect(packageDirName({ handle: 'zoidberg', repo: 'core', name: 'hello' })).toBe('4925502aa093bf050a98ad1f4519a9f5-hello')
})

test('a path is located against the most specific base first', () => {
  const root = realpathSync(tempDir())
  const layout = layoutFor({ root, home: '/home/alice' })
  expect(locate(join(root, 'usr/local/bin/vim'), layout)).toEqual([
    { kind: 'bin', path: 'vim' },
    { kind: 'usrroot', path: 'usr/local/bin/vim' },
  ])
  expect(locate(join(root, 'home/alice/.vimrc'), layout)).toEqual([
    { kind: 'usrhome', path: '.vimrc' },
    { kind: 'usrroot', path: 'home/alice/.vimrc' },
  ])
  expect(locate(join(root, 'var/lib/zoi/pkgs/store/x/1/a'), layout)[0]).toEqual({ kind: 'pkgstore', path: 'x/1/a' })
  expect(locate('/elsewhere/file', layout)).toEqual([])
  expect(locate(root, layout)).toEqual([])
  expect(absolutePath({ kind: 'bin', path: 'vim' }, layout)).toBe(join(root, 'usr/local/bin/vim'))
})

test('resolvedPath follows every symlink; entryPath keeps the last component as named', () => {
  const dir = realpathSync(tempDir())
  mkdirSync(join(dir, 'real'))
  writeFileSync(join(dir, 'real/file'), '')
  symlinkSync('real', join(dir, 'alias'))
  symlinkSync('file', join(dir, 'real/link'))
  expect(resolvedPath(join(dir, 'alias/../alias/file'))).toBe(join(dir, 'real/file'))
  expect(resolvedPath(join(dir, 'alias/not/yet'))).toBe(join(dir, 'real/not/yet'))
  expect(resolvedPath(join(dir, 'alias/link'))).toBe(join(dir, 'real/file'))
  expect(entryPath(join(dir, 'alias/link'))).toBe(join(dir, 'real/link'))
})
