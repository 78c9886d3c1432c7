import { afterAll, expect, test } from 'bun:test'
import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import { ObjectStore } from '../../../src/registry/git-objects.ts'
import { diffTrees, listTree } from '../../../src/registry/git-tree.ts'
import { commitChanges, headOf, makeGitRepo, makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

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
    expect([...diff.removed].sort()).toEqual(['x', 'y/a'])
    expect([...diff.trees.keys()].sort()).toEqual(['.', 'x', 'z', 'z/deep'])
    // From nothing: every file is new; the listing agrees with git's.
    const all = diffTrees(store, undefined, store.commitTree(to)).changed.map((f) => f.path)
    expect(all).toEqual(listTree(store, store.commitTree(to)).map((f) => f.path))
    expect(all.join('\n')).toBe(await runGit(repo, ['ls-tree', '-r', '--name-only', 'HEAD']))
  }
})

test('diffTrees over a big folder where a few entries changed (names of every length, non-ASCII, a mode change, added and removed) agrees with git diff', async () => {
  const files: Record<string, string> = {}
  for (let i = 0; i < 400; i++) files[`core/p${i}/p${i}.pkg.lua`] = `p${i}\n`
  Object.assign(files, { 'core/é/é.pkg.lua': 'e\n', 'core/p1-x/p1-x.pkg.lua': 'x\n', 'core/p1.x': 'dot\n', 'core/run.sh': 'echo\n' })
  const repo = await makeGitRepo(files)
  const from = await headOf(repo)
  await runGit(repo, ['rm', '-q', '-r', 'core/p17', 'core/p1.x'])
  chmodSync(join(repo, 'core/run.sh'), 0o755)
  const to = await commitChanges(repo, { 'core/p3/p3.pkg.lua': 'p3 v2\n', 'core/é/é.pkg.lua': 'e v2\n', 'core/p1-x/extra.lua': 'new\n', 'core/p400/p400.pkg.lua': 'p400\n' })
  for (const packed of [false, true]) {
    if (packed) await runGit(repo, ['gc', '-q', '--aggressive'])
    const store = new ObjectStore(join(repo, '.git'))
    const diff = diffTrees(store, store.commitTree(from), store.commitTree(to))
    const git = (await runGit(repo, ['-c', 'core.quotePath=false', 'diff', '--no-renames', '--name-status', from, to])).split('\n')
    expect(diff.changed.map((f) => f.path).sort()).toEqual(git.filter((l) => !l.startsWith('D')).map((l) => l.slice(2)).sort())
    expect([...diff.removed].sort()).toEqual(git.filter((l) => l.startsWith('D')).map((l) => l.slice(2)).sort())
    expect(diff.changed.find((f) => f.path === 'core/run.sh')?.mode).toBe('100755')
  }
})

test('the same two trees give the same diff in any repository that holds them: computed once, shared (size check in staging, checkout, index)', async () => {
  const repo = await makeGitRepo({ 'core/a/a.pkg.lua': 'a\n', 'core/b/b.pkg.lua': 'b\n' })
  const from = await headOf(repo)
  const to = await commitChanges(repo, { 'core/a/a.pkg.lua': 'a2\n' }, ['core/b/b.pkg.lua'])
  const copy = join(await makeTempDir(), 'copy')
  await runGit(repo, ['clone', '-q', '--no-local', repo, copy])
  const here = new ObjectStore(join(repo, '.git'))
  const there = new ObjectStore(join(copy, '.git'))
  const first = diffTrees(here, here.commitTree(from), here.commitTree(to))
  expect(first.changed.map((f) => f.path)).toEqual(['core/a/a.pkg.lua'])
  expect(first.removed).toEqual(['core/b/b.pkg.lua'])
  expect(diffTrees(there, there.commitTree(from), there.commitTree(to))).toBe(first)
})
