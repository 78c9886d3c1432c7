import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { basename, dirname, join } from 'node:path'
import { isZoiError } from '../../../src/errors.ts'
import { createNet } from '../../../src/platform/net.ts'
import { headCommit, listDefinitionBlobs, readBlob, syncClone } from '../../../src/registry/git.ts'
import { startGitServer, type GitServer } from '../../support/git-server.ts'
import { commitChanges, headOf, makeGitRepo, makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const offline = createNet({ offline: true })

describe('reading definitions from the object store', () => {
  let dir: string
  let firstHead: string

  beforeAll(async () => {
    const upstream = await makeGitRepo({
      'repo.yaml': 'name: Blobs\n',
      'core/a/a.pkg.lua': 'return "a"\n',
      'core/a/helper.lua': 'return "helper"\n',
      'core/a/patch.diff': '--- nope\n',
      'docs/repo.yaml': 'not the root one\n',
      'README.md': '# readme\n',
    })
    dir = join(await makeTempDir(), 'blobs')
    firstHead = (await syncClone({ url: upstream, dir, net: offline })).head
    await commitChanges(upstream, { 'core/b/b.pkg.lua': 'return "b"\n' })
    await syncClone({ url: upstream, dir, net: offline })
  })

  test('lists *.lua anywhere and the root repo.yaml, with git blob ids', async () => {
    const blobs = await listDefinitionBlobs(dir)
    expect([...blobs.keys()]).toEqual(['core/a/a.pkg.lua', 'core/a/helper.lua', 'core/b/b.pkg.lua', 'repo.yaml'])
    expect(blobs.get('core/a/a.pkg.lua')).toBe(await runGit(dir, ['rev-parse', 'HEAD:core/a/a.pkg.lua']))
  })

  test('lists an older commit when given its id', async () => {
    expect([...(await listDefinitionBlobs(dir, firstHead)).keys()]).not.toContain('core/b/b.pkg.lua')
  })

  test('readBlob returns the exact bytes', async () => {
    const oid = (await listDefinitionBlobs(dir)).get('core/b/b.pkg.lua')!
    expect(new TextDecoder().decode(await readBlob(dir, oid))).toBe('return "b"\n')
  })

  test('an unknown blob is NOT_FOUND', async () => {
    const err = await readBlob(dir, 'f'.repeat(40)).catch((e) => e)
    expect(isZoiError(err, 'NOT_FOUND')).toBe(true)
  })

  test('headCommit of a folder without a clone is NOT_FOUND with a hint', async () => {
    const err = await headCommit(await makeTempDir()).catch((e) => e)
    expect(isZoiError(err, 'NOT_FOUND')).toBe(true)
    expect(err.hint).toContain('zoi sync')
  })
})

describe('a registry of 5,000 definitions', () => {
  let server: GitServer
  let upstream: string

  beforeAll(async () => {
    const files: Record<string, string> = { 'repo.yaml': 'name: Big\n' }
    const tiers = ['core', 'main', 'extra', 'community']
    for (let i = 0; i < 5000; i++) {
      const name = `pkg${i}`
      files[`${tiers[i % 4]}/group${i % 50}/${name}/${name}.pkg.lua`] =
        `metadata({ name = "${name}", version = "1.${i}.0", description = "package number ${i}" })\n`
    }
    upstream = await makeGitRepo(files)
    await runGit(upstream, ['gc', '-q']) // served registries are packed, as on a real forge
    server = startGitServer(dirname(upstream))
  }, 60_000)
  afterAll(async () => await server.stop())

  test('clones over HTTP and lists every blob', async () => {
    const url = `${server.url}/${basename(upstream)}`
    const net = createNet({ offline: false, retries: 0 })
    const dir = join(await makeTempDir(), 'big')
    const result = await syncClone({ url, dir, net })
    const blobs = await listDefinitionBlobs(dir)
    let bytes = 0
    for (const oid of blobs.values()) bytes += (await readBlob(dir, oid)).byteLength
    const again = await syncClone({ url, dir, net })
    await commitChanges(upstream, { 'core/group0/pkg0/pkg0.pkg.lua': 'metadata({ name = "pkg0", version = "2.0" })\n' })
    const updated = await syncClone({ url, dir, net })
    expect(updated.changed).toBe(true)
    const changed = [...(await listDefinitionBlobs(dir))].filter(([p, oid]) => blobs.get(p) !== oid)
    expect(changed.map(([p]) => p)).toEqual(['core/group0/pkg0/pkg0.pkg.lua'])
    expect(updated.head).toBe(await headOf(upstream))
    expect(updated.previousHead).toBe(result.head)
    expect(blobs.size).toBe(5001)
    expect(bytes).toBeGreaterThan(5000 * 50)
    expect(again.changed).toBe(false)
  }, 60_000)
})
