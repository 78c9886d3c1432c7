import { zoiFailure } from '../../support/expect-error.ts'
import { afterAll, describe, expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createNet } from '../../../src/platform/net.ts'
import { headCommit, syncClone } from '../../../src/registry/git.ts'
import { ObjectStore } from '../../../src/registry/git-objects.ts'
import { MAX_DEFINITION_BYTES } from '../../../src/registry/git-size-limits.ts'
import { startGitServer } from '../../support/git-server.ts'
import { commitChanges, makeGitRepo, makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const offline = createNet({ offline: true })
const REGISTRY = { 'repo.yaml': 'name: Local\n', 'core/hello/hello.pkg.lua': 'metadata({ name = "hello" })\n' }
/** Text that compresses well but is over the definition limit. */
const huge = (fill: string) => `-- ${fill.repeat(MAX_DEFINITION_BYTES / fill.length + 10)}\n`

describe('ObjectStore.size reads sizes from headers only', () => {
  test('loose objects, packed objects and packed deltas give their content size', async () => {
    const repo = await makeGitRepo({ 'a.txt': 'x'.repeat(3000), 'b.txt': 'hello\n' })
    const blob = async (p: string) => (await runGit(repo, ['rev-parse', `HEAD:${p}`])).trim()
    const gitdir = join(repo, '.git')
    // A new store after gc: a store knows the packs that existed when it was opened.
    const objectSize = async (dir: string, oid: string) => new ObjectStore(dir).size(oid)
    expect(await objectSize(gitdir, await blob('a.txt'))).toBe(3000)
    // A second version of a.txt differs in one byte: after gc one of them is a delta.
    await commitChanges(repo, { 'a.txt': 'x'.repeat(2999) + 'y' + 'z'.repeat(100_000) })
    await runGit(repo, ['gc', '-q', '--aggressive'])
    expect(await objectSize(gitdir, await blob('a.txt'))).toBe(103_000)
    expect(await objectSize(gitdir, await runGit(repo, ['rev-parse', 'HEAD~1:a.txt']))).toBe(3000)
    expect(await objectSize(gitdir, await blob('b.txt'))).toBe(6)
    expect(await objectSize(gitdir, '0'.repeat(40))).toBeUndefined()
    // And the content read through the same store matches, delta or not.
    const store = new ObjectStore(gitdir)
    expect(store.get(await blob('a.txt')).data.length).toBe(103_000)
    expect(new TextDecoder().decode(store.get(await runGit(repo, ['rev-parse', 'HEAD~1:a.txt'])).data)).toBe('x'.repeat(3000))
  })

  test('a delta over 64 KiB (read partly, not inflated whole) gives the size of the object it makes', async () => {
    // Pseudo-random text: the older version's last 150,000 bytes are nowhere in the newer one,
    // so its delta carries them (git deltas the older version against the newer).
    const noise = (seed: number, n: number) => {
      let x = seed
      let out = ''
      while (out.length < n) {
        x = (Math.imul(x, 1664525) + 1013904223) >>> 0
        out += (x >>> 8).toString(36)
      }
      return out.slice(0, n)
    }
    const repo = await makeGitRepo({ 'c.txt': noise(1, 200_000) + noise(2, 150_000) })
    await commitChanges(repo, { 'c.txt': noise(1, 200_000) + noise(3, 150_000) })
    await runGit(repo, ['gc', '-q', '--aggressive'])
    const packDir = join(repo, '.git/objects/pack')
    const idx = readdirSync(packDir).find((f) => f.endsWith('.idx'))!
    // verify-pack -v: a delta's line is `<oid> blob <delta size> <packed size> <offset> <depth> <base>`.
    const deltas = (await runGit(repo, ['verify-pack', '-v', join(packDir, idx)])).split('\n').filter((l) => / blob +\d+ \d+ \d+ \d+ [0-9a-f]{40}$/.test(l))
    expect(deltas.some((l) => Number(l.split(/ +/)[2]) > 64 * 1024)).toBe(true)
    for (const rev of ['HEAD:c.txt', 'HEAD~1:c.txt']) {
      const oid = (await runGit(repo, ['rev-parse', rev])).trim()
      expect(new ObjectStore(join(repo, '.git')).size(oid)).toBe(350_000)
    }
  })
})

describe('a registry holding a huge file is refused and the previous clone kept', () => {
  test('huge .lua definition from a git repository: exit-6 error naming the file, old head kept', async () => {
    const upstream = await makeGitRepo(REGISTRY)
    const dir = join(await makeTempDir(), 'db', 'local')
    const first = await syncClone({ url: upstream, dir, net: offline })
    await commitChanges(upstream, { 'core/big/big.pkg.lua': huge('abc') })
    await runGit(upstream, ['gc', '-q'])
    const e = await zoiFailure(syncClone({ url: upstream, dir, net: offline }))
    expect(e.exitCode).toBe(6)
    expect(e.message).toContain('core/big/big.pkg.lua is')
    expect(e.message).toContain('over the 1 MiB limit')
    expect(await headCommit(dir)).toBe(first.head)
    expect(await readFile(join(dir, 'core/hello/hello.pkg.lua'), 'utf8')).toContain('hello')
  })

  test('huge file in a plain folder: refused before it is read', async () => {
    const folder = await makeTempDir()
    await mkdir(join(folder, 'core/big'), { recursive: true })
    await writeFile(join(folder, 'repo.yaml'), 'name: Folder\n')
    await writeFile(join(folder, 'core/big/big.pkg.lua'), huge('q'))
    const dir = join(await makeTempDir(), 'db', 'folder')
    const e = await zoiFailure(syncClone({ url: folder, dir, net: offline }))
    expect(e.exitCode).toBe(6)
    expect(e.message).toContain('core/big/big.pkg.lua is')
  })

  test('first clone over smart HTTP: a huge definition is refused naming it, a large README (under its own limit) is kept', async () => {
    const bad = await makeGitRepo({ ...REGISTRY, 'core/big/big.pkg.lua': huge('xyz') })
    const fine = await makeGitRepo({ ...REGISTRY, 'README.md': huge('readme ') })
    const served = startGitServer(join(bad, '..'))
    const servedFine = startGitServer(join(fine, '..'))
    try {
      const net = createNet({ offline: false })
      const dir = join(await makeTempDir(), 'db', 'remote')
      const e = await zoiFailure(syncClone({ url: `${served.url}/${bad.split('/').pop()}`, dir, net }))
      expect(e.exitCode).toBe(6)
      expect(e.message).toContain('core/big/big.pkg.lua is')
      const ok = await syncClone({ url: `${servedFine.url}/${fine.split('/').pop()}`, dir, net })
      expect(ok.head).toBe(await headCommit(fine))
      expect((await readFile(join(dir, 'README.md'), 'utf8')).length).toBeGreaterThan(MAX_DEFINITION_BYTES)
    } finally {
      await served.stop()
      await servedFine.stop()
    }
  })
})
