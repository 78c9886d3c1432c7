import { afterAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ObjectStore } from '../../../src/registry/git-objects.ts'
import { diffTrees, listTree } from '../../../src/registry/git-tree.ts'
import { commitChanges, headOf, makeGitRepo, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

test('diffTrees: a file that became a folder and a folder that became a file, between unchanged neighbours', async () => {
  const repo = await makeGitRepo({ x: 'file x\n', 'x-1': 'same\n', 'x.a': 'same\n', 'y/a': 'in y\n', 'z/deep/k': 'same\n' })
  const from = await headOf(repo)
  await runGit(repo, ['rm', '-q', 'x', 'y/a'])
  const to = await commitChanges(repo, { 'x/a': 'now a folder\n', y: 'now a file\n', 'z/deep/new': 'added\n' })
  for (const packed of [false, true]) {
    if (packed) await runGit(repo, ['gc', '-q'])
    const store = new ObjectStore(join(repo, '.git'))
    const diff = diffTrees(store, store.commitTree(from), store.commitTree(to))
    expect(diff.changed.map((f) => f.path).sort()).toEqual(['x/a', 'y', 'z/deep/new'])
    expect(diff.removed.sort()).toEqual(['x', 'y/a'])
    expect([...diff.trees.keys()].sort()).toEqual(['.', 'x', 'z', 'z/deep'])
    // From nothing: every file is new; the listing agrees with git's.
    const all = diffTrees(store, undefined, store.commitTree(to)).changed.map((f) => f.path)
    expect(all).toEqual(listTree(store, store.commitTree(to)).map((f) => f.path))
    expect(all.join('\n')).toBe(await runGit(repo, ['ls-tree', '-r', '--name-only', 'HEAD']))
  }
})
