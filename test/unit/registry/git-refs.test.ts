/** Refs and repository skeleton as files, checked against what the system git reads from them. */
import { afterAll, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { headBranch, initRepo, resolveRef, setOrigin, writeRef } from '../../../src/registry/git-refs.ts'
import { makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)

test('a new repository that git reads: HEAD on main, the origin remote without credentials, replaced on change', async () => {
  const work = await makeTempDir()
  const gitdir = join(work, '.git')
  await initRepo(gitdir)
  await setOrigin(gitdir, 'https://alice:s3cret@host.test/one.git')
  await setOrigin(gitdir, 'https://alice:s3cret@host.test/two.git')
  expect(await runGit(work, ['config', '--get-all', 'remote.origin.url'])).toBe('https://host.test/two.git')
  expect(await runGit(work, ['config', '--get', 'remote.origin.fetch'])).toBe('+refs/heads/*:refs/remotes/origin/*')
  expect(await runGit(work, ['config', '--get', 'core.bare'])).toBe('false')
  expect(await runGit(work, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main')
  expect(await headBranch(gitdir)).toBe('refs/heads/main')
})

test('resolveRef follows symbolic refs into loose and packed refs, like git rev-parse', async () => {
  const work = await makeTempDir()
  const gitdir = join(work, '.git')
  await initRepo(gitdir)
  writeFileSync(join(gitdir, 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted\n${A} refs/heads/main\n${B} refs/tags/v1\n^${A}\n`)
  expect(await resolveRef(gitdir, 'HEAD')).toBe(A)
  expect(await resolveRef(gitdir, 'v1')).toBe(B)
  await writeRef(gitdir, 'refs/heads/main', B) // a loose ref wins over the packed one
  expect(await resolveRef(gitdir, 'HEAD')).toBe(B)
  await writeRef(gitdir, 'refs/remotes/origin/HEAD', 'refs/heads/main', true)
  expect(await resolveRef(gitdir, 'origin/HEAD')).toBe(B)
  expect(await resolveRef(gitdir, A)).toBe(A)
  await expect(resolveRef(gitdir, 'nope')).rejects.toMatchObject({ code: 'NotFoundError' })
  mkdirSync(join(gitdir, 'refs', 'heads', 'dir'), { recursive: true })
  await expect(resolveRef(gitdir, 'refs/heads/dir')).rejects.toMatchObject({ code: 'NotFoundError' })
})
