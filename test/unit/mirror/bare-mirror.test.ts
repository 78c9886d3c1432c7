/**
 * registry.git from every kind of upstream — smart HTTP, a working clone, a bare repository, a
 * plain folder — incremental on re-runs, readable by system git, and never mixing registries.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readdir, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fetchUpstream, publishBranch, readServedHead } from '../../../src/mirror/index.ts'
import { createNet } from '../../../src/platform/net.ts'
import { zoiFailure } from '../../support/expect-error.ts'
import { startGitServer, type GitServer } from '../../support/git-server.ts'
import { commitChanges, headOf, makeBareClone, makeGitRepo, makeTempDir, removeTempDirs, runGit, writeFiles } from '../../support/make-git-repo.ts'

const net = createNet({ offline: false, retries: 0, timeoutMs: 10_000 })
const REGISTRY = { 'repo.yaml': 'name: Up\n', 'core/a/a.pkg.lua': 'metadata({name = "a"})\n' }

let server: GitServer
beforeAll(() => {
  server = startGitServer('/nonexistent')
})
afterAll(async () => {
  await server.stop()
  await removeTempDirs()
})

async function objectCount(gitdir: string): Promise<number> {
  return Number((await runGit(gitdir, ['count-objects', '-v'])).match(/^count: (\d+)/m)![1]) +
    Number((await runGit(gitdir, ['count-objects', '-v'])).match(/^in-pack: (\d+)/m)![1])
}

describe('fetchUpstream', () => {
  test('over smart HTTP: the full history of the HEAD branch, then the new commit', async () => {
    const work = await makeGitRepo(REGISTRY)
    await commitChanges(work, { 'core/b/b.pkg.lua': 'metadata({name = "b"})\n' })
    const root = dirname(work)
    const http = startGitServer(root)
    try {
      const gitdir = join(await makeTempDir(), 'registry.git')
      const url = `${http.url}/${basename(work)}`
      const first = await fetchUpstream({ url, gitdir, net })
      expect(first).toEqual({ branch: 'refs/heads/main', head: await headOf(work), previous: undefined })
      await publishBranch(gitdir, first.branch, first.head)
      expect(await runGit(gitdir, ['rev-list', '--count', 'HEAD'])).toBe('2')
      await runGit(gitdir, ['fsck', '--strict'])
      const moved = await commitChanges(work, { 'core/c/c.pkg.lua': 'metadata({name = "c"})\n' })
      const second = await fetchUpstream({ url, gitdir, net })
      expect(second).toEqual({ branch: 'refs/heads/main', head: moved, previous: first.head })
    } finally {
      await http.stop()
    }
  })

  test('from a working clone and from a bare repository, by copying objects', async () => {
    const work = await makeGitRepo(REGISTRY)
    for (const source of [work, await makeBareClone(work)]) {
      const gitdir = join(await makeTempDir(), 'registry.git')
      const r = await fetchUpstream({ url: source, gitdir, net })
      expect(r.head).toBe(await headOf(work))
      await publishBranch(gitdir, r.branch, r.head)
      expect(await readServedHead(gitdir)).toBe(r.head)
      await runGit(gitdir, ['fsck', '--strict'])
    }
  })

  test('a re-run with no upstream change writes no objects', async () => {
    const work = await makeGitRepo(REGISTRY)
    const gitdir = join(await makeTempDir(), 'registry.git')
    await fetchUpstream({ url: work, gitdir, net })
    const before = await objectCount(gitdir)
    const again = await fetchUpstream({ url: work, gitdir, net })
    expect(again.previous).toBe(again.head)
    expect(await objectCount(gitdir)).toBe(before)
  })

  test('from a plain folder: a snapshot commit, and a new one only when the folder changed', async () => {
    const folder = await makeTempDir('zoi-folder-')
    await writeFiles(folder, REGISTRY)
    const gitdir = join(await makeTempDir(), 'registry.git')
    const first = await fetchUpstream({ url: folder, gitdir, net })
    expect((await fetchUpstream({ url: folder, gitdir, net })).head).toBe(first.head)
    await writeFile(join(folder, 'core/a/a.pkg.lua'), 'metadata({name = "a", version = "2"})\n')
    const changed = await fetchUpstream({ url: folder, gitdir, net })
    expect(changed.head).not.toBe(first.head)
    expect(await runGit(gitdir, ['rev-parse', `${changed.head}^`])).toBe(first.head)
  })

  test('publishBranch serves exactly one branch', async () => {
    const work = await makeGitRepo(REGISTRY)
    const gitdir = join(await makeTempDir(), 'registry.git')
    const r = await fetchUpstream({ url: work, gitdir, net })
    await publishBranch(gitdir, 'refs/heads/master', r.head)
    await publishBranch(gitdir, r.branch, r.head)
    expect(await readdir(join(gitdir, 'refs/heads'))).toEqual(['main'])
  })

  test('refuses to mix registries, and to take over a folder that is not a bare repository', async () => {
    const gitdir = join(await makeTempDir(), 'registry.git')
    await fetchUpstream({ url: await makeGitRepo(REGISTRY), gitdir, net })
    const mixed = await zoiFailure(fetchUpstream({ url: await makeGitRepo(REGISTRY), gitdir, net }))
    expect(mixed.code).toBe('CONFLICT')
    expect(mixed.hint).toContain('its own folder')
    const notGit = join(await makeTempDir(), 'registry.git')
    await writeFiles(notGit, { 'precious.txt': 'keep me\n' })
    expect((await zoiFailure(fetchUpstream({ url: await makeGitRepo(REGISTRY), gitdir: notGit, net }))).code).toBe('CONFLICT')
  })

  test('a missing upstream is NOT_FOUND naming it; offline, an http upstream is refused', async () => {
    const gitdir = join(await makeTempDir(), 'registry.git')
    const e = await zoiFailure(fetchUpstream({ url: `${server.url}/missing`, gitdir, net }))
    expect(e.code).toBe('NOT_FOUND')
    expect(e.message).toContain(`${server.url}/missing`)
    const offline = await zoiFailure(fetchUpstream({ url: `${server.url}/missing`, gitdir, net: createNet({ offline: true }) }))
    expect(offline.code).toBe('OFFLINE')
  })
})
