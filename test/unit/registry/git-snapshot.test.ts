import { afterAll, describe, expect, test } from 'bun:test'
import { chmod, mkdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { hashOnly, snapshotTree, writeMissing } from '../../../src/registry/git-snapshot.ts'
import { makeTempDir, removeTempDirs, runGit, writeFiles } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

/** Names that exercise git's tree order: `a.b` < `a/` < `a0`, and `a-b` < `a` as a folder. */
const TRICKY = {
  'a.b': 'dot\n',
  'a/x.lua': 'in a\n',
  'a0': 'zero\n',
  'a-b/y.lua': 'dash\n',
  'ünïcode/ž.pkg.lua': 'utf-8 names\n',
  'deep/er/and/deeper/file.lua': 'deep\n',
  'tool.sh': '#!/bin/sh\n',
  'empty.txt': '',
}

async function tricky(): Promise<string> {
  const dir = await makeTempDir()
  await writeFiles(dir, TRICKY)
  await chmod(join(dir, 'tool.sh'), 0o755)
  return dir
}

describe('snapshotTree', () => {
  test('hashes a folder to the same tree id as `git write-tree`', async () => {
    const dir = await tricky()
    const ours = await snapshotTree(dir, hashOnly)
    await runGit(dir, ['init', '-q'])
    await runGit(dir, ['add', '-A'])
    expect(ours).toBe(await runGit(dir, ['write-tree']))
  })

  test('skips .git, symlinks and empty folders', async () => {
    const dir = await tricky()
    const plain = await snapshotTree(dir, hashOnly)
    await mkdir(join(dir, 'empty', 'nested'), { recursive: true })
    await writeFiles(dir, { '.git/config': 'x', 'sub/.git': 'gitdir: elsewhere\n' })
    await symlink('/etc/passwd', join(dir, 'link.lua'))
    const withJunk = await snapshotTree(dir, hashOnly)
    // `sub/` holds only a skipped `.git` file, so it is an empty folder too.
    expect(withJunk).toBe(plain)
  })

  test('an empty folder is the empty tree', async () => {
    expect(await snapshotTree(await makeTempDir(), hashOnly)).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904')
  })

  test('writeMissing stores objects git can read back', async () => {
    const dir = await tricky()
    const repo = await makeTempDir()
    await runGit(repo, ['init', '-q', '--bare'])
    const tree = await snapshotTree(dir, writeMissing(repo))
    expect(tree).toBe(await snapshotTree(dir, hashOnly))
    expect(await runGit(repo, ['-c', 'core.quotePath=false', 'ls-tree', '-r', '--name-only', tree])).toContain('ünïcode/ž.pkg.lua')
    expect(await runGit(repo, ['show', `${tree}:a/x.lua`])).toBe('in a')
    expect(await runGit(repo, ['ls-tree', tree, 'tool.sh'])).toStartWith('100755 blob')
  })
})
