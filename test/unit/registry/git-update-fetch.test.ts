/**
 * Re-syncing a shallow clone over HTTP after a few definitions changed downloads only what is
 * new: the pack of the update is a fraction of the first clone's (it was as large as a clone).
 */
import { afterAll, expect, test } from 'bun:test'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createNet } from '../../../src/platform/net.ts'
import { syncClone } from '../../../src/registry/git.ts'
import { startGitServer } from '../../support/git-server.ts'
import { commitChanges, makeGitRepo, makeTempDir, removeTempDirs } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const packSizes = (dir: string) => {
  const packs = join(dir, '.git/objects/pack')
  return new Map(readdirSync(packs).filter((f) => f.endsWith('.pack')).map((f) => [f, statSync(join(packs, f)).size]))
}

test('re-sync after 10 changed definitions fetches a small pack, not the whole tree again', async () => {
  const files: Record<string, string> = {}
  for (let i = 0; i < 1500; i++) files[`core/p${i}/p${i}.pkg.lua`] = `metadata({ name = "p${i}", version = "1.0.0", description = "package ${i} ${'x'.repeat(i % 90)}" })\n`
  const repo = await makeGitRepo(files)
  const server = startGitServer(join(repo, '..'))
  try {
    const url = `${server.url}/${repo.split('/').pop()}`
    const dir = join(await makeTempDir(), 'clone')
    const net = createNet({ offline: false })
    await syncClone({ url, dir, net })
    const first = packSizes(dir)
    const changed: Record<string, string> = {}
    for (let j = 0; j < 10; j++) changed[`core/p${j * 131}/p${j * 131}.pkg.lua`] = `metadata({ name = "p${j * 131}", version = "2.0.0" })\n`
    const head = await commitChanges(repo, changed)
    const r = await syncClone({ url, dir, net })
    expect(r).toMatchObject({ head, changed: true })
    const added = [...packSizes(dir)].filter(([name]) => !first.has(name)).map(([, size]) => size)
    const firstSize = [...first.values()].reduce((a, b) => a + b, 0)
    expect(added.reduce((a, b) => a + b, 0)).toBeLessThan(firstSize / 3)
  } finally {
    await server.stop()
  }
}, 120_000)

test('onNewCommit is called once when a new commit is fetched (first clone and update), never when the clone is current', async () => {
  const repo = await makeGitRepo({ 'core/a/a.pkg.lua': 'metadata({ name = "a", version = "1.0.0" })\n' })
  const server = startGitServer(join(repo, '..'))
  try {
    const url = `${server.url}/${repo.split('/').pop()}`
    const dir = join(await makeTempDir(), 'clone')
    const net = createNet({ offline: false })
    let calls = 0
    const onNewCommit = () => void calls++
    await syncClone({ url, dir, net, onNewCommit })
    expect(calls).toBe(1)
    await syncClone({ url, dir, net, onNewCommit })
    expect(calls).toBe(1)
    await commitChanges(repo, { 'core/a/a.pkg.lua': 'metadata({ name = "a", version = "2.0.0" })\n' })
    expect(await syncClone({ url, dir, net, onNewCommit })).toMatchObject({ changed: true })
    expect(calls).toBe(2)
  } finally {
    await server.stop()
  }
}, 60_000)
