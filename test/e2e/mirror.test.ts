/**
 * Mirroring and binary hosting (seed 001) with the compiled binary: `zoi serve` answers git and
 * static requests; `zoi mirror` builds a self-contained folder; a second machine (HOME) syncs and
 * installs from it with no other source, installs offline from its cache once the server is
 * gone, and falls back to a second host via cache_mirrors. The same folder also works behind a
 * plain static server plus a git server, so hosting it needs no zoi.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { startGitServer, type GitServer } from '../support/git-server.ts'
import { commitChanges, makeBareClone, makeGitRepo, makeTempDir, readTree, removeTempDirs, type RepoFiles, runGit } from '../support/make-git-repo.ts'
import { formatResult, runCommand, runZoi } from '../support/run-cli.ts'
import { startZoiServe, type ZoiServer } from '../support/zoi-serve.ts'
import { startStaticServer, type StaticServer } from '../support/static-server.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const hasGit = Bun.which('git') !== null
const stops: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const stop of stops) await stop()
  await removeTempDirs()
})

const zoi = (home: string, ...args: string[]) => runZoi(args, { home })

/** `zoi serve` of `dir`, stopped after the file's tests. */
async function zoiServe(home: string, dir: string, ...extra: string[]): Promise<ZoiServer> {
  const served = await startZoiServe(home, dir, ...extra)
  stops.push(served.stop)
  return served
}

async function buildExamples(home: string, out: string): Promise<void> {
  for (const name of ['hello', 'libgreet', 'base']) {
    const r = await zoi(home, 'package', 'build', join(EXAMPLES, 'core', name, `${name}.pkg.lua`), '-o', out)
    expect(r.exitCode, formatResult(r)).toBe(0)
  }
}

async function git(cwd: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return runCommand(['git', ...args], { home: cwd, env: { GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' } })
}

describe.skipIf(!hasGit)('zoi serve', () => {
  test('zoi sync and git clone from a bare repository it serves; static files; SIGTERM exits 0', async () => {
    const bare = await makeBareClone(await makeGitRepo(readTree(EXAMPLES)))
    const root = join(bare, '..')
    writeFileSync(join(root, 'note.txt'), 'hello\n')
    const served = await zoiServe(await makeTempDir(), root)
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const home = await makeTempDir()
    expect((await zoi(home, 'sync', 'set', `${served.url}/registry.git`)).exitCode).toBe(0)
    const sync = await zoi(home, 'sync')
    expect(sync.exitCode, formatResult(sync)).toBe(0)
    expect((await zoi(home, 'search', 'greet')).stdout).toContain('hello')

    const clone = await git(home, ['clone', '-q', `${served.url}/registry.git`, join(home, 'clone')])
    expect(clone.exitCode, formatResult(clone)).toBe(0)
    expect(readFileSync(join(home, 'clone/repo.yaml'), 'utf8')).toContain('name: Example')

    const note = await fetch(`${served.url}/note.txt`)
    expect(await note.text()).toBe('hello\n')
    const big = new Uint8Array(2 * 1024 * 1024).map((_, i) => i % 251)
    writeFileSync(join(root, 'big.bin'), big)
    const parallel = await Promise.all(Array.from({ length: 50 }, async () => {
      const res = await fetch(`${served.url}/big.bin`)
      return res.status === 200 && Buffer.compare(Buffer.from(await res.arrayBuffer()), Buffer.from(big)) === 0
    }))
    expect(parallel.filter(Boolean).length).toBe(50)
    expect((await fetch(`${served.url}/note.txt`, { method: 'PUT', body: 'x' })).status).toBe(405)
    expect(await served.stop()).toBe(0)
  })
})

/** The operator's side: an upstream registry (a git repo, no pkg: links) and archives built for it. */
async function operator(): Promise<{ home: string; upstream: string; built: string }> {
  const home = await makeTempDir()
  const upstream = await makeGitRepo(readTree(EXAMPLES))
  const built = join(home, 'built')
  await buildExamples(home, built)
  expect((await zoi(home, 'sync', 'set', upstream)).exitCode).toBe(0)
  return { home, upstream, built }
}

describe.skipIf(!hasGit)('zoi mirror', () => {
  test('done-when: mirror → serve → a second HOME syncs and installs from it → server gone: offline install → second host via cache_mirrors', async () => {
    const op = await operator()
    const dir = join(op.home, 'mirror')
    await mkdir(dir)
    const served = await zoiServe(op.home, dir)

    const made = await zoi(op.home, 'mirror', dir, '--all', '--pkg-dir', op.built, '--base-url', served.url)
    expect(made.exitCode, formatResult(made)).toBe(0)
    expect(made.stdout).toContain('archives: 3 copied, 0 unchanged, 2 missing')
    expect(made.stdout).toContain(`clients: zoi sync set ${served.url}/registry.git`)
    for (const f of ['registry.git/HEAD', 'manifest.json', 'manifest.sha512', 'pkgs/core/linux/amd64/1.0.0/hello-1.0.0-linux-amd64.pkg.tar.zst.hash',
      'pkgs/core/linux/amd64/1.0.0/hello-1.0.0-linux-amd64.pkg.tar.zst.size', 'pkgs/core/linux/amd64/1.0.0/hello-1.0.0-linux-amd64.pkg.tar.zst.files',
      'archives/libgreet-1.2.0-linux-amd64.pkg.tar.zst']) expect(existsSync(join(dir, f)), f).toBe(true)
    if (Bun.which('sha512sum')) expect((await runCommand(['sha512sum', '-c', '--quiet', 'manifest.sha512'], { home: op.home, cwd: dir })).exitCode).toBe(0)

    // Re-running copies nothing.
    const again = await zoi(op.home, 'mirror', dir, '--all', '--pkg-dir', op.built, '--base-url', served.url, '--json')
    expect(again.exitCode, formatResult(again)).toBe(0)
    const result = JSON.parse(again.stdout)
    expect(result.archives.copied).toEqual([])
    expect(result.registry.changed).toBe(false)

    // The client knows nothing but the mirror's URL.
    const client = await makeTempDir()
    expect((await zoi(client, 'sync', 'set', `${served.url}/registry.git`)).exitCode).toBe(0)
    const sync = await zoi(client, 'sync')
    expect(sync.exitCode, formatResult(sync)).toBe(0)
    const install = await zoi(client, 'install', 'hello')
    expect(install.exitCode, formatResult(install)).toBe(0)
    expect(install.stdout).toBe('installed libgreet 1.2.0\ninstalled hello 1.0.0\n')
    expect((await runCommand([join(client, '.zoi/pkgs/bin/hello')], { home: client })).stdout).toContain('Hello from zoi!')
    expect(readdirSync(join(client, '.zoi/cache/archives')).filter((f) => f.endsWith('.zst')).sort()).toEqual([
      'hello-1.0.0-linux-amd64.pkg.tar.zst', 'libgreet-1.2.0-linux-amd64.pkg.tar.zst',
    ])
    expect(readFileSync(join(client, '.zoi/pkgs/config.yaml'), 'utf8')).not.toContain(op.upstream)

    // Upstream moves: the mirror re-applies its commit on the new head; the client follows.
    const moved = await commitChanges(op.upstream, { 'core/hello/NOTES': 'moved\n' })
    const remirror = await zoi(op.home, 'mirror', dir, '--all', '--pkg-dir', op.built, '--base-url', served.url, '--json')
    const re = JSON.parse(remirror.stdout)
    expect(re.registry).toMatchObject({ upstream: moved, changed: true })
    expect(await runGit(join(dir, 'registry.git'), ['rev-parse', 'HEAD^'])).toBe(moved)
    expect(await runGit(join(dir, 'registry.git'), ['show', 'HEAD:repo.yaml'])).toContain(`url: ${served.url}/registry.git`)
    const resync = await zoi(client, 'sync', '--json')
    expect(resync.exitCode, formatResult(resync)).toBe(0)
    expect(JSON.parse(resync.stdout)[0]).toMatchObject({ head: re.registry.head, changed: true })

    // The server goes away: a cached package still installs, offline.
    expect(await served.stop()).toBe(0)
    expect((await zoi(client, 'uninstall', 'hello', 'libgreet')).exitCode).toBe(0)
    const offline = await zoi(client, 'install', 'hello', '--offline')
    expect(offline.exitCode, formatResult(offline)).toBe(0)

    // With the cache emptied, a second host serving the same folder stands in via cache_mirrors.
    expect((await zoi(client, 'uninstall', 'hello', 'libgreet')).exitCode).toBe(0)
    expect((await zoi(client, 'cache', 'clear')).exitCode).toBe(0)
    const second = await startStaticServer(dir)
    stops.push(() => second.stop())
    expect((await zoi(client, 'cache', 'mirror', 'add', `${second.url}/archives`)).exitCode).toBe(0)
    const fallback = await zoi(client, 'install', 'hello')
    expect(fallback.exitCode, formatResult(fallback)).toBe(0)
    // The stopped server is reported once as unreachable, not once per archive.
    expect(fallback.stderr).toContain(`${served.url} is unreachable (ECONNREFUSED); not contacting it again in this run`)
    expect(second.hits).toContain('GET /archives/hello-1.0.0-linux-amd64.pkg.tar.zst')
  })

  test('static hosting: a plain file server for archives and a git server for registry.git, no zoi on the server', async () => {
    const op = await operator()
    const dir = join(op.home, 'mirror')
    await mkdir(dir)
    const files = await startStaticServer(dir)
    const gitServer: GitServer = startGitServer(dir)
    stops.push(() => files.stop(), () => gitServer.stop())
    const made = await zoi(op.home, 'mirror', dir, '--packages', 'hello', '--pkg-dir', op.built, '--base-url', files.url)
    expect(made.exitCode, formatResult(made)).toBe(0)
    expect(made.stdout).toContain('archives: 2 copied') // hello and its dependency libgreet

    const client = await makeTempDir()
    await zoi(client, 'sync', 'set', `${gitServer.url}/registry.git`)
    const sync = await zoi(client, 'sync')
    expect(sync.exitCode, formatResult(sync)).toBe(0)
    const install = await zoi(client, 'install', 'hello')
    expect(install.exitCode, formatResult(install)).toBe(0)
    expect(files.hits).toContain('GET /pkgs/core/linux/amd64/1.0.0/hello-1.0.0-linux-amd64.pkg.tar.zst')
    expect(gitServer.requests).toBeGreaterThan(0)
  })

  test('--build makes the archives nothing else has, for another platform too', async () => {
    const op = await operator()
    const dir = join(op.home, 'mirror')
    const made = await zoi(op.home, 'mirror', dir, '--packages', 'hello', '--build', '--platform', 'linux-arm64', '--json')
    expect(made.exitCode, formatResult(made)).toBe(0)
    const result = JSON.parse(made.stdout)
    expect(result.archives.built).toContain('hello-1.0.0-linux-arm64.pkg.tar.zst')
    expect(result.archives.missing).toEqual([])
    const hash = readFileSync(join(dir, 'pkgs/core/linux/arm64/1.0.0/hello-1.0.0-linux-arm64.pkg.tar.zst.hash'), 'utf8')
    const rebuilt = await zoi(op.home, 'package', 'build', join(EXAMPLES, 'core/hello/hello.pkg.lua'), '--platform', 'linux-arm64', '-o', join(op.home, 'arm'))
    expect(rebuilt.exitCode).toBe(0)
    expect(readFileSync(join(op.home, 'arm/hello-1.0.0-linux-arm64.pkg.tar.zst.hash'), 'utf8')).toBe(hash) // reproducible
  })

  test('error pages from the primary host are misses, never hashes: the next candidate serves', async () => {
    const op = await operator()
    const dir = join(op.home, 'mirror')
    await mkdir(dir)
    // The registry says archives live on `broken`, which answers 200 with HTML for hello and 404 pages otherwise.
    const brokenDir = await makeTempDir('zoi-broken-')
    const broken = await startStaticServer(brokenDir)
    stops.push(() => broken.stop())
    const page = '<!doctype html><html><body>Sign in to continue</body></html>\n'
    const helloDir = join(brokenDir, 'pkgs/core/linux/amd64/1.0.0')
    await mkdir(helloDir, { recursive: true })
    for (const s of ['', '.hash', '.size', '.files']) writeFileSync(join(helloDir, `hello-1.0.0-linux-amd64.pkg.tar.zst${s}`), page)
    expect((await zoi(op.home, 'mirror', dir, '--all', '--pkg-dir', op.built, '--base-url', broken.url)).exitCode).toBe(0)
    const served = await zoiServe(op.home, dir)

    const client = await makeTempDir()
    await zoi(client, 'sync', 'set', `${served.url}/registry.git`)
    expect((await zoi(client, 'sync')).exitCode).toBe(0)
    await zoi(client, 'cache', 'mirror', 'add', `${served.url}/archives`)
    const install = await zoi(client, 'install', 'hello')
    expect(install.exitCode, formatResult(install)).toBe(0)
    expect(install.stderr).toContain(`cannot use ${broken.url}/pkgs/core/linux/amd64/1.0.0/hello-1.0.0-linux-amd64.pkg.tar.zst`)
    expect(broken.hits).toContain('GET /pkgs/core/linux/amd64/1.0.0/hello-1.0.0-linux-amd64.pkg.tar.zst')
    expect((await runCommand([join(client, '.zoi/pkgs/bin/hello')], { home: client })).stdout).toContain('Hello from zoi!')
  })
})

if (!hasGit) console.log('SKIP mirror e2e tests: system git is not installed (used to make the upstream registry fixture)')
