import { zoiFailure as catchError } from '../../support/expect-error.ts'
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createNet } from '../../../src/platform/net.ts'
import { headCommit, listDefinitionBlobs, syncClone } from '../../../src/registry/git.ts'
import {
  commitChanges, headOf, makeBareClone, makeGitRepo, makeTempDir, removeTempDirs, runGit, writeFiles,
} from '../../support/make-git-repo.ts'
import { expectCheckedOut } from '../../support/checked-out.ts'

afterAll(removeTempDirs)

// Local sources must work with the network refused: they never touch the Net.
const offline = createNet({ offline: true })

const REGISTRY = {
  'repo.yaml': 'name: Local\n',
  'core/hello/hello.pkg.lua': 'return { name = "hello" }\n',
  'core/tools/jq/jq.pkg.lua': 'return { name = "jq" }\n',
}

async function newDest(): Promise<string> {
  return join(await makeTempDir(), 'db', 'local')
}


describe('syncClone from a local git repository (no git binary involved)', () => {
  test.each([
    ['a working clone', async (dir: string) => dir],
    ['a bare repository', async (dir: string) => await makeBareClone(dir)],
    ['a file:// URL', async (dir: string) => pathToFileURL(dir).href],
  ])('from %s: a normal clone at the source HEAD branch, then fast-forwards', async (_name, sourceOf) => {
    const upstream = await makeGitRepo(REGISTRY)
    await runGit(upstream, ['branch', '-m', 'main', 'trunk'])
    const url = await sourceOf(upstream)
    const dir = await newDest()
    const { checkedOut, ...first } = await syncClone({ url, dir, net: offline })
    expect(first).toEqual({ head: await headOf(upstream), previousHead: undefined, changed: true })
    await expectCheckedOut(dir, checkedOut)
    expect(await runGit(dir, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('trunk')
    expect(await runGit(dir, ['fsck', '--no-progress'])).toBe('') // every object is really there
    expect(await runGit(dir, ['status', '--porcelain'])).toBe('')
    expect(await readFile(join(dir, 'core/hello/hello.pkg.lua'), 'utf8')).toBe(REGISTRY['core/hello/hello.pkg.lua'])

    expect((await syncClone({ url, dir, net: offline })).changed).toBe(false)

    const next = await commitChanges(upstream, { 'core/hello/hello.pkg.lua': 'return { v = 2 }\n' }, ['core/tools/jq/jq.pkg.lua'])
    if (url !== upstream && !url.startsWith('file:')) await runGit(url, ['fetch', '-q', upstream, '+trunk:trunk'])
    expect(await syncClone({ url, dir, net: offline })).toEqual({ head: next, previousHead: first.head, changed: true })
    expect(existsSync(join(dir, 'core/tools/jq/jq.pkg.lua'))).toBe(false)
    expect([...(await listDefinitionBlobs(dir)).keys()]).toEqual(['core/hello/hello.pkg.lua', 'repo.yaml'])
  })

  test('a packed source (after git gc) copies packs and keeps working', async () => {
    const upstream = await makeGitRepo(REGISTRY)
    await runGit(upstream, ['gc', '-q'])
    const dir = await newDest()
    await syncClone({ url: upstream, dir, net: offline })
    expect(await readdir(join(dir, '.git', 'objects', 'pack'))).toContainEqual(expect.stringMatching(/\.idx$/))
    expect(await runGit(dir, ['fsck', '--no-progress'])).toBe('')
  })

  test('a repository without commits is NOT_FOUND', async () => {
    const empty = await makeTempDir()
    await runGit(empty, ['init', '-q'])
    const err = await catchError(syncClone({ url: empty, dir: await newDest(), net: offline }))
    expect(err.code).toBe('NOT_FOUND')
    expect(err.message).toContain(empty)
  })
})

describe('syncClone from a plain folder (not a git repository)', () => {
  async function folder(): Promise<string> {
    const dir = join(await makeTempDir(), 'usb-registry')
    await mkdir(dir)
    await writeFiles(dir, REGISTRY)
    return dir
  }

  test('the first sync commits a snapshot of the folder', async () => {
    const src = await folder()
    const dir = await newDest()
    const result = await syncClone({ url: src, dir, net: offline })
    expect(result.changed).toBe(true)
    expect(await runGit(dir, ['rev-list', '--count', 'HEAD'])).toBe('1')
    expect((await runGit(dir, ['ls-files'])).split('\n')).toEqual(Object.keys(REGISTRY).sort())
    expect(await runGit(dir, ['fsck', '--no-progress'])).toBe('')
    expect(existsSync(join(src, '.git'))).toBe(false) // the source is never written to
  })

  test('re-syncing an unchanged folder makes no new commit', async () => {
    const src = await folder()
    const dir = await newDest()
    const first = await syncClone({ url: src, dir, net: offline })
    expect(await syncClone({ url: src, dir, net: offline })).toEqual({ head: first.head, previousHead: first.head, changed: false })
    expect(await runGit(dir, ['rev-list', '--count', 'HEAD'])).toBe('1')
  })

  test('a changed folder gives one new commit on top, and removed files disappear', async () => {
    const src = await folder()
    const dir = await newDest()
    const first = await syncClone({ url: src, dir, net: offline })
    const before = await listDefinitionBlobs(dir)
    await writeFile(join(src, 'core/hello/hello.pkg.lua'), 'return { name = "hello", v = 2 }\n')
    await rm(join(src, 'core/tools'), { recursive: true })
    const second = await syncClone({ url: src, dir, net: offline })
    expect(second.changed).toBe(true)
    expect(await runGit(dir, ['rev-parse', 'HEAD~1'])).toBe(first.head)
    const after = await listDefinitionBlobs(dir)
    expect(after.get('repo.yaml')).toBe(before.get('repo.yaml')!)
    expect(after.get('core/hello/hello.pkg.lua')).not.toBe(before.get('core/hello/hello.pkg.lua')!)
    expect(after.has('core/tools/jq/jq.pkg.lua')).toBe(false)
    expect(existsSync(join(dir, 'core/tools'))).toBe(false)
    expect(await headCommit(dir)).toBe(second.head)
  })

  test('a subfolder of a git repository is a plain folder, snapshotted as it is on disk', async () => {
    const repo = await makeGitRepo({ 'examples/registry/repo.yaml': 'name: Example\n', 'other.txt': 'x' })
    await writeFile(join(repo, 'examples/registry/uncommitted.pkg.lua'), 'return {}\n')
    const dir = await newDest()
    await syncClone({ url: join(repo, 'examples/registry'), dir, net: offline })
    expect([...(await listDefinitionBlobs(dir)).keys()]).toEqual(['repo.yaml', 'uncommitted.pkg.lua'])
  })
})

describe('the clone folder', () => {
  test('a non-empty folder that is not a clone is never replaced', async () => {
    const dir = await newDest()
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'precious.txt'), 'keep me')
    const err = await catchError(syncClone({ url: await makeGitRepo(REGISTRY), dir, net: offline }))
    expect(err.code).toBe('CONFLICT')
    expect(err.message).toContain(dir)
    expect(await readFile(join(dir, 'precious.txt'), 'utf8')).toBe('keep me')
  })

  test('an empty folder becomes the clone', async () => {
    const dir = await newDest()
    await mkdir(dir, { recursive: true })
    expect((await syncClone({ url: await makeGitRepo(REGISTRY), dir, net: offline })).changed).toBe(true)
  })

  test('fresh rebuilds the clone (sync --force) and reports the previous head', async () => {
    const upstream = await makeGitRepo(REGISTRY)
    const dir = await newDest()
    const first = await syncClone({ url: upstream, dir, net: offline })
    await writeFile(join(dir, 'core/hello/hello.pkg.lua'), 'tampered')
    const { checkedOut, ...again } = await syncClone({ url: upstream, dir, net: offline, fresh: true })
    expect(again).toEqual({ head: first.head, previousHead: first.head, changed: false })
    await expectCheckedOut(dir, checkedOut)
    expect(await readFile(join(dir, 'core/hello/hello.pkg.lua'), 'utf8')).toBe(REGISTRY['core/hello/hello.pkg.lua'])
  })
})

describe('registry URLs that are not usable', () => {
  test.each([
    ['a missing directory', '/nonexistent/zoi/registry', '/nonexistent/zoi/registry'],
    ['an ssh URL', 'ssh://git@example.com/registry.git', 'example.com/registry.git'],
    ['an scp-style URL', 'git@example.com:registry.git', 'git@example.com:registry.git'],
  ])('%s is a USAGE error naming it', async (_name, url, named) => {
    const err = await catchError(syncClone({ url, dir: await newDest(), net: offline }))
    expect(err.code).toBe('USAGE')
    expect(err.exitCode).toBe(2)
    expect(err.message).toContain(named)
  })
})
