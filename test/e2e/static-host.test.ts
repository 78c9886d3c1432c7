/**
 * A mirror folder on infrastructure that knows nothing about git or zoi (issue #17): a plain
 * static file server, `python3 -m http.server` and nginx serve `zoi mirror`'s output as files, and
 * clients sync the registry over git's dumb HTTP protocol, install, follow upstream moves by
 * downloading only the new pack, and fall back between two such hosts.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cp, mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { commitChanges, makeGitRepo, makeTempDir, readTree, removeTempDirs, type RepoFiles } from '../support/make-git-repo.ts'
import { formatResult, runCommand, runZoi } from '../support/run-cli.ts'
import { freePort } from '../support/free-port.ts'
import { startStaticServer } from '../support/static-server.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const hasGit = Bun.which('git') !== null
const hasPython = Bun.which('python3') !== null
const nginxBin = ['/usr/sbin/nginx', Bun.which('nginx')].find((p) => p && existsSync(p))
const stops: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const stop of stops) await stop().catch(() => undefined)
  await removeTempDirs()
})

const zoi = (home: string, ...args: string[]) => runZoi(args, { home })

/** The operator: an upstream registry (git repo), archives built for it, and an empty mirror folder. */
async function operator(): Promise<{ home: string; upstream: string; built: string; dir: string }> {
  const home = await makeTempDir()
  const upstream = await makeGitRepo(readTree(EXAMPLES))
  const built = join(home, 'built')
  for (const name of ['hello', 'libgreet']) {
    const r = await zoi(home, 'package', 'build', join(EXAMPLES, 'core', name, `${name}.pkg.lua`), '-o', built)
    expect(r.exitCode, formatResult(r)).toBe(0)
  }
  expect((await zoi(home, 'sync', 'set', upstream)).exitCode).toBe(0)
  const dir = join(home, 'mirror')
  await mkdir(dir)
  return { home, upstream, built, dir }
}

async function mirror(op: { home: string; built: string; dir: string }, baseUrl: string): Promise<void> {
  const made = await zoi(op.home, 'mirror', op.dir, '--packages', 'hello', '--pkg-dir', op.built, '--base-url', baseUrl)
  expect(made.exitCode, formatResult(made)).toBe(0)
}

/** A client that knows only the static host's URL syncs, installs and runs hello. */
async function clientInstalls(url: string): Promise<string> {
  const client = await makeTempDir()
  expect((await zoi(client, 'sync', 'set', `${url}/registry.git`)).exitCode).toBe(0)
  const sync = await zoi(client, 'sync')
  expect(sync.exitCode, formatResult(sync)).toBe(0)
  const install = await zoi(client, 'install', 'hello', '-y')
  expect(install.exitCode, formatResult(install)).toBe(0)
  expect((await runCommand([join(client, '.zoi/pkgs/bin/hello')], { home: client })).stdout).toContain('Hello from zoi!')
  return client
}

async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then(() => true, () => false)) return
    await Bun.sleep(100)
  }
  throw new Error(`no server at ${url}`)
}

describe.skipIf(!hasGit)('a mirror on a plain static host (dumb HTTP)', () => {
  test('mirror writes info/refs and one pack; sync, install, and an upstream move fetches only the new pack', async () => {
    const op = await operator()
    const host = await startStaticServer(op.dir)
    stops.push(() => host.stop())
    await mirror(op, host.url)
    const gitdir = join(op.dir, 'registry.git')
    const refs = readFileSync(join(gitdir, 'info/refs'), 'utf8')
    expect(refs).toMatch(/^[0-9a-f]{40}\trefs\/heads\/main\n$/)
    expect(refs).not.toContain('refs/zoi/')
    const packs = readFileSync(join(gitdir, 'objects/info/packs'), 'utf8')
    expect(packs).toMatch(/^P pack-[0-9a-f]+\.pack\n\n$/)
    expect(readdirSync(join(gitdir, 'objects')).filter((n) => /^[0-9a-f]{2}$/.test(n))).toEqual([]) // all packed

    const client = await clientInstalls(host.url)
    expect(host.hits.some((h) => /^GET \/registry\.git\/objects\/pack\/pack-[0-9a-f]+\.pack$/.test(h))).toBe(true)

    // System git clones the same URL over dumb HTTP: the files are what git itself expects.
    const cloned = await runCommand(['git', 'clone', '-q', `${host.url}/registry.git`, join(client, 'clone')], { home: client, env: { GIT_CONFIG_NOSYSTEM: '1' } })
    expect(cloned.exitCode, formatResult(cloned)).toBe(0)
    expect(readFileSync(join(client, 'clone/repo.yaml'), 'utf8')).toContain(`${host.url}/registry.git`)

    // Upstream moves: a second pack appears; the client downloads only it.
    await commitChanges(op.upstream, { 'core/hello/NOTES': 'moved\n' })
    await mirror(op, host.url)
    expect(readFileSync(join(gitdir, 'objects/info/packs'), 'utf8').match(/^P /gm)?.length).toBe(2)
    host.hits.length = 0
    const resync = await zoi(client, 'sync', '--json')
    expect(resync.exitCode, formatResult(resync)).toBe(0)
    expect(JSON.parse(resync.stdout)[0]).toMatchObject({ changed: true })
    expect(host.hits.filter((h) => h.includes('/objects/pack/') && h.endsWith('.pack')).length).toBe(1)

    // Nothing changed: one round of ref files, no pack.
    host.hits.length = 0
    expect((await zoi(client, 'sync')).exitCode).toBe(0)
    expect(host.hits.filter((h) => h.includes('/objects/'))).toEqual([])
  })

  test('a pack altered on the host fails the sync with exit 6 naming the pack', async () => {
    const op = await operator()
    const host = await startStaticServer(op.dir)
    stops.push(() => host.stop())
    await mirror(op, host.url)
    const packDir = join(op.dir, 'registry.git/objects/pack')
    const pack = readdirSync(packDir).find((n) => n.endsWith('.pack'))!
    const bytes = readFileSync(join(packDir, pack))
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff
    writeFileSync(join(packDir, pack), bytes)
    const client = await makeTempDir()
    await zoi(client, 'sync', 'set', `${host.url}/registry.git`)
    const sync = await zoi(client, 'sync')
    expect(sync.exitCode, formatResult(sync)).toBe(6)
    expect(sync.stderr).toContain(pack)
  })

  test('a static host with no git files at that path is exit 3 naming the URL', async () => {
    const empty = await makeTempDir()
    const host = await startStaticServer(empty)
    stops.push(() => host.stop())
    const client = await makeTempDir()
    await zoi(client, 'sync', 'set', `${host.url}/registry.git`)
    const sync = await zoi(client, 'sync')
    expect(sync.exitCode, formatResult(sync)).toBe(3)
    expect(sync.stderr).toContain(`${host.url}/registry.git`)
  })
})

describe.skipIf(!hasGit || !hasPython)('python3 -m http.server', () => {
  test('serves a mirror clients sync and install from; a second host takes over via cache_mirrors', async () => {
    const op = await operator()
    const port = await freePort()
    const python = Bun.spawn(['python3', '-m', 'http.server', '--bind', '127.0.0.1', String(port)], { cwd: op.dir, stdout: 'ignore', stderr: 'ignore' })
    stops.push(async () => { python.kill(); await python.exited })
    const url = `http://127.0.0.1:${port}`
    await waitForHttp(url)
    await mirror(op, url)
    const client = await clientInstalls(url)

    // The first host dies; a copy of the folder on another host serves the archives.
    python.kill()
    await python.exited
    const copy = join(op.home, 'copy')
    await cp(op.dir, copy, { recursive: true })
    const second = await startStaticServer(copy)
    stops.push(() => second.stop())
    expect((await zoi(client, 'uninstall', 'hello', 'libgreet', '-y')).exitCode).toBe(0)
    expect((await zoi(client, 'cache', 'clear')).exitCode).toBe(0)
    expect((await zoi(client, 'cache', 'mirror', 'add', `${second.url}/archives`)).exitCode).toBe(0)
    const fallback = await zoi(client, 'install', 'hello', '-y')
    expect(fallback.exitCode, formatResult(fallback)).toBe(0)
    expect(second.hits).toContain('GET /archives/hello-1.0.0-linux-amd64.pkg.tar.zst')
  })
})

describe.skipIf(!hasGit || !nginxBin)('nginx', () => {
  test('the README nginx config serves a mirror clients sync and install from', async () => {
    const op = await operator()
    const port = await freePort()
    const conf = join(op.home, 'nginx')
    await mkdir(conf)
    // The README's server block, with paths of this test.
    writeFileSync(join(conf, 'nginx.conf'), `${process.getuid?.() === 0 ? 'user root root;' : ''}
daemon off;
worker_processes 1;
pid ${conf}/nginx.pid;
error_log ${conf}/error.log;
events { worker_connections 64; }
http {
  access_log ${conf}/access.log;
  client_body_temp_path ${conf}/body;
  proxy_temp_path ${conf}/proxy;
  fastcgi_temp_path ${conf}/fastcgi;
  uwsgi_temp_path ${conf}/uwsgi;
  scgi_temp_path ${conf}/scgi;
  types { application/octet-stream zst zpa zsa pack idx; text/plain hash size files; }
  server {
    listen 127.0.0.1:${port};
    root ${op.dir};
    location ~ /\\. { deny all; }
    location / { try_files $uri =404; }
  }
}
`)
    const nginx = Bun.spawn([nginxBin!, '-c', join(conf, 'nginx.conf'), '-p', conf], { stdout: 'ignore', stderr: 'pipe' })
    stops.push(async () => { nginx.kill(); await nginx.exited })
    const url = `http://127.0.0.1:${port}`
    await waitForHttp(url)
    await mirror(op, url)
    try {
      await clientInstalls(url)
    } catch (e) {
      console.log(readFileSync(join(conf, 'error.log'), 'utf8'), readFileSync(join(conf, 'access.log'), 'utf8'))
      throw e
    }
    expect((await fetch(`${url}/.zoi/lock`)).status).toBe(403)
  })
})
