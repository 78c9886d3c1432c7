/**
 * Combining a clone's packs (every sync adds one): past the limit they become one pack git
 * itself accepts (fsck), holding every object that was packed, and nothing else changes.
 */
import { afterAll, expect, test } from 'bun:test'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createNet } from '../../../src/platform/net.ts'
import type { ProgressEvent } from '../../../src/progress.ts'
import { syncClone } from '../../../src/registry/git.ts'
import { ObjectStore } from '../../../src/registry/git-objects.ts'
import { MAX_PACKS, repackIfMany } from '../../../src/registry/git-repack.ts'
import { startGitServer } from '../../support/git-server.ts'
import { commitChanges, makeGitRepo, makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const packsOf = (repo: string) => readdirSync(join(repo, '.git/objects/pack')).filter((n) => n.endsWith('.pack')).sort()

test('six packs become one that git fsck accepts, with every object readable; at or under the limit nothing happens', async () => {
  const repo = await makeGitRepo({ 'core/a/a.pkg.lua': 'metadata({ name = "a" })\n', 'repo.yaml': 'name: r\n' })
  await runGit(repo, ['repack', '-q'])
  for (let i = 1; i <= 5; i++) {
    await commitChanges(repo, { [`core/p${i}/p${i}.pkg.lua`]: `metadata({ name = "p${i}" })\n`, 'core/a/a.pkg.lua': `-- release ${i}\n`.repeat(i) })
    await runGit(repo, ['repack', '-q']) // packs only the new loose objects: one more pack each time
  }
  const gitdir = join(repo, '.git')
  expect(packsOf(repo)).toHaveLength(6)
  const before = new ObjectStore(gitdir).packedIds().sort()
  const head = (await runGit(repo, ['rev-parse', 'HEAD'])).trim()

  expect(repackIfMany(gitdir, 'test', 6)).toBe(false)
  expect(packsOf(repo)).toHaveLength(6)

  expect(repackIfMany(gitdir, 'test', 5)).toBe(true)
  expect(packsOf(repo)).toHaveLength(1)
  const after = new ObjectStore(gitdir)
  expect(after.packedIds().sort()).toEqual(before)
  for (const oid of before) expect(after.read(oid)).toBeDefined()
  await runGit(repo, ['fsck', '--full', '--strict'])
  expect((await runGit(repo, ['rev-parse', 'HEAD'])).trim()).toBe(head)
  expect(await runGit(repo, ['log', '--format=%s'])).toContain('initial')
  // The new pack is named by its checksum, as git names packs, with git's own idx for it.
  const [pack] = packsOf(repo)
  const verify = await runGit(repo, ['verify-pack', join('.git/objects/pack', pack!)])
  expect(verify).toBe('')
})

test('a re-sync of a clone holding more packs than the limit leaves one pack, the new head checked out and git fsck clean', async () => {
  const repo = await makeGitRepo({ 'repo.yaml': 'name: r\n', 'core/a/a.pkg.lua': 'metadata({ name = "a" })\n' })
  const server = startGitServer(join(repo, '..'))
  try {
    const url = `${server.url}/${repo.split('/').pop()}`
    const dir = join(await makeTempDir(), 'clone')
    const net = createNet({ offline: false })
    const events: ProgressEvent[] = []
    await syncClone({ url, dir, net })
    // As if MAX_PACKS syncs had each added a pack: one small pack per extra object.
    for (let i = 0; i < MAX_PACKS; i++) {
      await Bun.write(join(dir, `extra${i}.txt`), `extra ${i}\n`)
      const oid = (await runGit(dir, ['hash-object', '-w', `extra${i}.txt`])).trim()
      const proc = Bun.spawn(['git', 'pack-objects', '-q', join(dir, '.git/objects/pack/pack')], { cwd: dir, stdin: new Blob([`${oid}\n`]), stdout: 'ignore' })
      expect(await proc.exited).toBe(0)
      await runGit(dir, ['prune-packed'])
    }
    expect(packsOf(dir).length).toBeGreaterThan(MAX_PACKS)
    const head = await commitChanges(repo, { 'core/b/b.pkg.lua': 'metadata({ name = "b" })\n' })
    const r = await syncClone({ url, dir, net, report: (e) => events.push(e) })
    expect(r.head).toBe(head)
    expect(packsOf(dir)).toHaveLength(1)
    expect(events.some((e) => e.kind === 'info' && e.text.includes('combined the packs'))).toBe(true)
    expect(existsSync(join(dir, 'core/b/b.pkg.lua'))).toBe(true)
    await runGit(dir, ['fsck', '--full'])
    expect((await runGit(dir, ['status', '--porcelain', '--untracked-files=no'])).trim()).toBe('')
  } finally {
    await server.stop()
  }
})
