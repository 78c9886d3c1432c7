import { zoiFailure as catchError } from '../../support/expect-error.ts'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { createNet } from '../../../src/platform/net.ts'
import type { ProgressEvent } from '../../../src/progress.ts'
import { headCommit, listDefinitionBlobs, syncClone } from '../../../src/registry/git.ts'
import { startGitServer, type GitServer } from '../../support/git-server.ts'
import {
  commitChanges, headOf, makeGitRepo, makeTempDir, removeTempDirs, rewriteLastCommit, runGit,
} from '../../support/make-git-repo.ts'
import { expectCheckedOut } from '../../support/checked-out.ts'

afterAll(removeTempDirs)

const net = createNet({ offline: false, retries: 0, timeoutMs: 5_000 })

const REGISTRY = {
  'repo.yaml': 'name: Test-Registry\n',
  'core/hello/hello.pkg.lua': 'return { name = "hello", version = "1.0" }\n',
  'main/tools/jq/jq.pkg.lua': 'return { name = "jq", version = "1.7" }\n',
  'README.md': '# test registry\n',
}

/** A fresh upstream repository served over HTTP, and a clone destination that does not exist yet. */
async function setup(server: GitServer, root: string) {
  const upstream = await makeGitRepo(REGISTRY)
  const name = basename(upstream)
  await runGit(root, ['clone', '-q', upstream, name]) // served copy under the server's root
  const served = join(root, name)
  return { served, url: `${server.url}/${name}`, dir: join(await makeTempDir(), 'db', 'test-registry') }
}


/** Everything a user could observe of a clone; equal before and after a failed sync. */
async function snapshotClone(dir: string) {
  return {
    head: await headCommit(dir),
    blobs: [...(await listDefinitionBlobs(dir))],
    hello: await readFile(join(dir, 'core/hello/hello.pkg.lua'), 'utf8'),
    siblings: (await readdir(dirname(dir))).sort(),
  }
}

describe('syncClone over smart HTTP', () => {
  let server: GitServer
  let root: string

  beforeAll(async () => {
    root = await makeTempDir('zoi-served-')
    server = startGitServer(root)
  })
  afterAll(async () => await server.stop())

  test('a first sync makes a shallow clone at the upstream HEAD branch', async () => {
    const { served, url, dir } = await setup(server, root)
    const events: ProgressEvent[] = []
    const { checkedOut, ...result } = await syncClone({ url, dir, net, report: (e) => events.push(e) })
    expect(result).toEqual({ head: await headOf(served), previousHead: undefined, changed: true })
    await expectCheckedOut(dir, checkedOut)
    expect(await readFile(join(dir, 'core/hello/hello.pkg.lua'), 'utf8')).toBe(REGISTRY['core/hello/hello.pkg.lua'])
    expect(await runGit(dir, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('main')
    expect(await runGit(dir, ['rev-parse', '--is-shallow-repository'])).toBe('true')
    expect(await runGit(dir, ['status', '--porcelain'])).toBe('') // the checkout matches the index
    expect(await readdir(dirname(dir))).toEqual(['test-registry']) // no staging left behind
    expect(events.length).toBeGreaterThan(0)
    expect(events.every((e) => e.kind === 'advance' && e.phase === 'sync' && typeof e.item === 'string')).toBe(true)
  })

  test('depth 0 clones the full history', async () => {
    const { served, url, dir } = await setup(server, root)
    await commitChanges(served, { 'core/hello/hello.pkg.lua': 'return { version = "2.0" }\n' })
    await syncClone({ url, dir, net, depth: 0 })
    expect(await runGit(dir, ['rev-parse', '--is-shallow-repository'])).toBe('false')
    expect(await runGit(dir, ['rev-list', '--count', 'HEAD'])).toBe('2')
  })

  test('an unchanged upstream costs one request and changes nothing', async () => {
    const { url, dir } = await setup(server, root)
    const first = await syncClone({ url, dir, net })
    const before = server.requests
    expect(await syncClone({ url, dir, net })).toEqual({ head: first.head, previousHead: first.head, changed: false })
    expect(server.requests - before).toBe(1)
  })

  test('a new upstream commit fast-forwards; blob ids show exactly what changed', async () => {
    const { served, url, dir } = await setup(server, root)
    const first = await syncClone({ url, dir, net })
    const before = await listDefinitionBlobs(dir)
    const next = await commitChanges(
      served,
      { 'core/hello/hello.pkg.lua': 'return { name = "hello", version = "2.0" }\n', 'extra/new/new.pkg.lua': 'return {}\n' },
      ['main/tools/jq/jq.pkg.lua'],
    )
    const result = await syncClone({ url, dir, net })
    expect(result).toEqual({ head: next, previousHead: first.head, changed: true })
    const after = await listDefinitionBlobs(dir)
    const changed = [...after].filter(([p, oid]) => before.get(p) !== oid).map(([p]) => p)
    const removed = [...before.keys()].filter((p) => !after.has(p))
    expect(changed.sort()).toEqual(['core/hello/hello.pkg.lua', 'extra/new/new.pkg.lua'])
    expect(removed).toEqual(['main/tools/jq/jq.pkg.lua'])
    expect(existsSync(join(dir, 'main'))).toBe(false) // the checkout followed, no empty folders left
    expect(await readFile(join(dir, 'core/hello/hello.pkg.lua'), 'utf8')).toContain('2.0')
  })

  test('a force-pushed upstream ends at the new upstream head', async () => {
    const { served, url, dir } = await setup(server, root)
    await commitChanges(served, { 'core/hello/hello.pkg.lua': 'return { version = "2.0" }\n' })
    const first = await syncClone({ url, dir, net, depth: 0 })
    const rewritten = await rewriteLastCommit(served, { 'core/hello/hello.pkg.lua': 'return { version = "2.0-fixed" }\n' })
    const result = await syncClone({ url, dir, net, depth: 0 })
    expect(result).toEqual({ head: rewritten, previousHead: first.head, changed: true })
    expect(await readFile(join(dir, 'core/hello/hello.pkg.lua'), 'utf8')).toContain('2.0-fixed')
    expect(await runGit(dir, ['status', '--porcelain'])).toBe('')
  })

  test('a shallow clone becomes a full one when depth 0 is asked for', async () => {
    const { served, url, dir } = await setup(server, root)
    await commitChanges(served, { 'a.txt': 'x' })
    await syncClone({ url, dir, net })
    const result = await syncClone({ url, dir, net, depth: 0 })
    expect(result.changed).toBe(false)
    expect(await runGit(dir, ['rev-list', '--count', 'HEAD'])).toBe('2')
  })

  test('offline: an http registry is refused with exit 5 before any socket opens', async () => {
    const { url, dir } = await setup(server, root)
    const before = server.requests
    const err = await catchError(syncClone({ url, dir, net: createNet({ offline: true }) }))
    expect(err.code).toBe('OFFLINE')
    expect(err.exitCode).toBe(5)
    expect(err.message).toContain(server.url)
    expect(server.requests).toBe(before)
    expect(existsSync(dir)).toBe(false)
  })

  test('a missing repository is NOT_FOUND naming the URL', async () => {
    const dir = join(await makeTempDir(), 'x')
    const err = await catchError(syncClone({ url: `${server.url}/no-such-repo`, dir, net }))
    expect(err.code).toBe('NOT_FOUND')
    expect(err.message).toContain(`${server.url}/no-such-repo`)
  })

  test('a dead URL is a NETWORK error and the previous clone stays intact', async () => {
    const { url, dir } = await setup(server, root)
    await syncClone({ url, dir, net })
    const before = await snapshotClone(dir)
    const dead = startGitServer(root)
    const deadUrl = `${dead.url}/${basename(url)}`
    await dead.stop()
    const err = await catchError(syncClone({ url: deadUrl, dir, net }))
    expect(err.code).toBe('NETWORK')
    expect(err.exitCode).toBe(5)
    expect(await snapshotClone(dir)).toEqual(before)
  })

  test.each([
    ['cut after 5 bytes', (s: GitServer) => s.cutNextUploadPackAfter(5)],
    ['cut inside the pack', (s: GitServer) => s.cutNextUploadPackAfter(400)],
    ['HTTP 500 from upload-pack', (s: GitServer) => s.failNextUploadPack(500)],
  ])('an interrupted fetch (%s) leaves the previous clone intact', async (_name, breakIt) => {
    const { served, url, dir } = await setup(server, root)
    await syncClone({ url, dir, net })
    const before = await snapshotClone(dir)
    const big = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`core/p${i}/p${i}.pkg.lua`, `return "${i}".rep(300)\n`]))
    const next = await commitChanges(served, { ...big, 'core/hello/hello.pkg.lua': 'return { version = "9" }\n' })
    breakIt(server)
    const err = await catchError(syncClone({ url, dir, net }))
    expect(err.code).toBe('NETWORK')
    expect(await snapshotClone(dir)).toEqual(before)
    // …and the next sync succeeds from there.
    expect((await syncClone({ url, dir, net })).head).toBe(next)
  })

  test('credentials in the URL never appear in errors', async () => {
    const missing = server.url.replace('http://', 'http://alice:s3cret@') + '/no-such-repo'
    const notFound = await catchError(syncClone({ url: missing, dir: join(await makeTempDir(), 'x'), net }))
    expect(notFound.code).toBe('NOT_FOUND')
    expect(notFound.message).toContain('http://***@127.0.0.1')
    const dead = startGitServer(root)
    const deadUrl = dead.url.replace('http://', 'http://alice:s3cret@') + '/x'
    await dead.stop()
    const unreachable = await catchError(syncClone({ url: deadUrl, dir: join(await makeTempDir(), 'x'), net }))
    for (const err of [notFound, unreachable]) expect(JSON.stringify([err.message, err.data])).not.toContain('s3cret')
  })

  test('credentials are not written into the clone', async () => {
    const { url, dir } = await setup(server, root)
    await syncClone({ url: url.replace('http://', 'http://alice:s3cret@'), dir, net })
    expect(await readFile(join(dir, '.git', 'config'), 'utf8')).not.toContain('s3cret')
  })
})
