import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  commitChanges, headOf, makeBareClone, makeGitRepo, removeTempDirs, rewriteLastCommit, runGit,
} from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

describe('git repository fixtures', () => {
  test('same files give the same commit id (fixed author and dates)', async () => {
    const files = { 'repo.yaml': 'name: A\n', 'core/a/a.pkg.lua': 'return {}\n' }
    expect(await headOf(await makeGitRepo(files))).toBe(await headOf(await makeGitRepo(files)))
  })

  test('commitChanges adds, overwrites and deletes in a second commit', async () => {
    const dir = await makeGitRepo({ 'a.txt': '1', 'b.txt': '2' })
    const first = await headOf(dir)
    const second = await commitChanges(dir, { 'a.txt': 'one', 'c/d.txt': '3' }, ['b.txt'])
    expect(second).not.toBe(first)
    expect(await runGit(dir, ['rev-parse', 'HEAD~1'])).toBe(first)
    expect((await runGit(dir, ['ls-files'])).split('\n')).toEqual(['a.txt', 'c/d.txt'])
  })

  test('rewriteLastCommit replaces history like a force-push', async () => {
    const dir = await makeGitRepo({ 'a.txt': '1' })
    const base = await headOf(dir)
    const dropped = await commitChanges(dir, { 'a.txt': '2' })
    const rewritten = await rewriteLastCommit(dir, { 'a.txt': '3' })
    expect(await runGit(dir, ['rev-parse', 'HEAD~1'])).toBe(base)
    expect(await runGit(dir, ['merge-base', '--is-ancestor', dropped, rewritten]).catch(() => 'not ancestor')).toBe('not ancestor')
  })

  test('makeBareClone gives a bare repository at the same head', async () => {
    const dir = await makeGitRepo({ 'a.txt': '1' })
    const bare = await makeBareClone(dir)
    expect(existsSync(join(bare, 'HEAD'))).toBe(true)
    expect(existsSync(join(bare, '.git'))).toBe(false)
    expect(await runGit(bare, ['rev-parse', 'HEAD'])).toBe(await headOf(dir))
  })
})
