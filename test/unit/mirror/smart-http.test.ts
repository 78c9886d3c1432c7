/**
 * The mirror server's git smart-HTTP, checked with both kinds of client: zoi's own (isomorphic-git
 * through syncClone, shallow by default) and the system `git` (full and --depth 1 clones, fetch
 * after the upstream moved, fsck). The served repository is a bare clone made by system git.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { startMirrorServer, type MirrorServer } from '../../../src/mirror/index.ts'
import { pktLine } from '../../../src/registry/git-pkt-line.ts'
import { MAX_REQUEST_BYTES, MAX_WANTS } from '../../../src/mirror/upload-pack.ts'
import { createNet } from '../../../src/platform/net.ts'
import { syncClone } from '../../../src/registry/git.ts'
import { commitChanges, headOf, makeBareClone, makeGitRepo, makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

const net = createNet({ offline: false, retries: 0, timeoutMs: 10_000 })
const hasGit = Bun.which('git') !== null

let upstream: string
let bare: string
let server: MirrorServer

beforeAll(async () => {
  if (!hasGit) return
  upstream = await makeGitRepo({ 'repo.yaml': 'name: Served\n', 'core/a/a.pkg.lua': 'metadata({name = "a"})\n' })
  await commitChanges(upstream, { 'core/b/b.pkg.lua': 'metadata({name = "b"})\n' })
  bare = await makeBareClone(upstream)
  await runGit(bare, ['tag', '-a', 'v1', '-m', 'release 1'])
  server = await startMirrorServer({ dir: dirname(bare), host: '127.0.0.1', port: 0 })
})
afterAll(async () => {
  await server?.stop()
  await removeTempDirs()
})

/** Moves the served branch forward by one commit, as `zoi mirror` does when upstream moves. */
async function advance(files: Record<string, string>): Promise<string> {
  const head = await commitChanges(upstream, files)
  await runGit(bare, ['fetch', '-q', upstream, '+main:main'])
  return head
}

async function git(cwd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  // Async spawn: the server runs in this process and must keep answering.
  const p = Bun.spawn(['git', ...args], { cwd, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { code, out: out.trim(), err }
}

describe.skipIf(!hasGit)('git smart-HTTP from the embedded git library', () => {
  test('zoi sync (isomorphic-git, depth 1) clones, then follows a new commit', async () => {
    const dir = join(await makeTempDir(), 'clone')
    const first = await syncClone({ url: `${server.url}/registry.git`, dir, net })
    expect(first.head).toBe(await headOf(upstream))
    expect(await readFile(join(dir, 'core/b/b.pkg.lua'), 'utf8')).toContain('"b"')
    expect((await readFile(join(dir, '.git/shallow'), 'utf8')).trim()).toBe(first.head)
    const moved = await advance({ 'core/c/c.pkg.lua': 'metadata({name = "c"})\n' })
    const second = await syncClone({ url: `${server.url}/registry`, dir, net })
    expect(second).toMatchObject({ head: moved, changed: true })
    expect(await readFile(join(dir, 'core/c/c.pkg.lua'), 'utf8')).toContain('"c"')
  })

  test('zoi sync --full clones the whole history', async () => {
    const dir = join(await makeTempDir(), 'clone')
    const r = await syncClone({ url: `${server.url}/registry.git`, dir, net, depth: 0 })
    const log = await git(dir, ['log', '--format=%H'])
    expect(log.out.split('\n')[0]).toBe(r.head)
    expect(log.out.split('\n').length).toBe(Number((await git(upstream, ['rev-list', '--count', 'HEAD'])).out))
  })

  test('system git: full clone with tags, fsck clean, then pull after the upstream moved', async () => {
    const dir = join(await makeTempDir(), 'full')
    const clone = await git(dirname(dir), ['clone', '-q', `${server.url}/registry.git`, dir])
    expect(clone.code, clone.err).toBe(0)
    expect((await git(dir, ['rev-parse', 'HEAD'])).out).toBe(await headOf(upstream))
    expect((await git(dir, ['tag'])).out).toBe('v1')
    expect((await git(dir, ['fsck', '--strict'])).code).toBe(0)
    const moved = await advance({ 'core/d/d.pkg.lua': 'metadata({name = "d"})\n' })
    const pull = await git(dir, ['pull', '-q', '--ff-only'])
    expect(pull.code, pull.err).toBe(0)
    expect((await git(dir, ['rev-parse', 'HEAD'])).out).toBe(moved)
    expect((await git(dir, ['fsck', '--strict'])).code).toBe(0)
  })

  test('system git: --depth 1 clone and a shallow fetch after the upstream moved', async () => {
    const dir = join(await makeTempDir(), 'shallow')
    const clone = await git(dirname(dir), ['clone', '-q', '--depth', '1', `${server.url}/registry`, dir])
    expect(clone.code, clone.err).toBe(0)
    expect((await git(dir, ['rev-list', '--count', 'HEAD'])).out).toBe('1')
    const moved = await advance({ 'core/e/e.pkg.lua': 'metadata({name = "e"})\n' })
    const fetch = await git(dir, ['fetch', '-q', '--depth', '1', 'origin', 'main'])
    expect(fetch.code, fetch.err).toBe(0)
    expect((await git(dir, ['rev-parse', 'FETCH_HEAD'])).out).toBe(moved)
    expect((await git(dir, ['fsck'])).code).toBe(0)
  })

  test('pushing is refused: the server is read-only', async () => {
    const refs = await fetch(`${server.url}/registry.git/info/refs?service=git-receive-pack`)
    expect(refs.status).toBe(403)
    expect(await refs.text()).toContain('read-only')
    expect((await fetch(`${server.url}/registry.git/git-receive-pack`, { method: 'POST', body: '0000' })).status).toBe(403)
    const dir = join(await makeTempDir(), 'push')
    await git(dirname(dir), ['clone', '-q', `${server.url}/registry.git`, dir])
    await git(dir, ['-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '-q', '--allow-empty', '-m', 'x'])
    const push = await git(dir, ['push', 'origin', 'HEAD:main'])
    expect(push.code).not.toBe(0)
  })

  test('a want that is not an advertised ref is refused like git does', async () => {
    const orphan = (await git(bare, ['hash-object', '-w', '--stdin'])).out // the empty blob, not referenced
    const body = Buffer.concat([pktLine(`want ${orphan} side-band-64k\n`), Buffer.from('0000'), pktLine('done\n')])
    const res = await fetch(`${server.url}/registry.git/git-upload-pack`, { method: 'POST', body, headers: { 'content-type': 'application/x-git-upload-pack-request' } })
    expect(await res.text()).toContain('ERR upload-pack: not our ref')
  })

  test('a body that is not pkt-lines is a 400, not a crash', async () => {
    const res = await fetch(`${server.url}/registry.git/git-upload-pack`, { method: 'POST', body: 'hello' })
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toStartWith('text/plain')
  })

  test('an upload-pack request body over the size cap is refused with HTTP 413, plain text', async () => {
    const url = `${server.url}/registry.git/git-upload-pack`
    const huge = new Uint8Array(MAX_REQUEST_BYTES + 1).fill(0x30)
    const res = await fetch(url, { method: 'POST', body: huge })
    expect(res.status).toBe(413)
    expect(res.headers.get('content-type')).toStartWith('text/plain')
    // A small gzip that expands past the cap (a "zip bomb") is refused the same way.
    const bomb = Bun.gzipSync(new Uint8Array(MAX_REQUEST_BYTES * 4).fill(0x30))
    const gz = await fetch(url, { method: 'POST', body: bomb, headers: { 'content-encoding': 'gzip' } })
    expect(gz.status).toBe(413)
  })

  test('an upload-pack request with too many want lines is refused with HTTP 400', async () => {
    const head = await headOf(upstream)
    const wants = Array.from({ length: MAX_WANTS + 1 }, () => pktLine(`want ${head}\n`))
    const body = Buffer.concat([...wants, Buffer.from('0000'), pktLine('done\n')])
    const res = await fetch(`${server.url}/registry.git/git-upload-pack`, { method: 'POST', body })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('too many want lines')
  })

  test('the dumb protocol is not offered', async () => {
    expect((await fetch(`${server.url}/registry.git/info/refs`)).status).toBe(403)
  })
})

if (!hasGit) console.log('SKIP git smart-HTTP tests: system git is not installed (needed to build fixtures and as a client)')
