/**
 * `.zsa` source bundles (SPEC §9): `package bundle` runs prepare() with the network and packs the
 * definition, its folder and the fetched sources reproducibly; `install x.zsa`, `package build
 * x.zsa` and a registry source build (source-main link, bundle in a pkg-dir) then build with
 * prepare() skipped — inside `unshare -n`, where nothing could be fetched.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startGitServer, type GitServer } from '../support/git-server.ts'
import { makeGitRepo } from '../support/make-git-repo.ts'
import { formatResult, makeTempDir, runCommand, runZoi, ZOI_BIN } from '../support/run-cli.ts'
import { startStaticServer, type StaticServer } from '../support/static-server.ts'

const noUnshare = Bun.spawnSync(['unshare', '-n', 'true']).exitCode !== 0
const servers: (GitServer | StaticServer)[] = []
let upstream: StaticServer
let work: string
afterAll(async () => {
  for (const s of servers) await s.stop()
})

const definition = (url: string) => `metadata({ name = "zsrc", repo = "core", version = "3.0.0", bins = { "zsrc" }, types = { "source" } })
function prepare()
  UTILS.FILE("${url}/greeting.txt", "greeting.txt")
end
function package()
  zcp("greeting.txt", "\${pkgstore}/share/greeting.txt")
  zcp("\${pkgluadir}/zsrc.sh", "\${pkgstore}/bin/zsrc")
  zchmod("\${pkgstore}/bin/zsrc", "755")
end
function verify()
  return true
end
`

beforeAll(async () => {
  work = makeTempDir('zoi-zsa-')
  mkdirSync(join(work, 'upstream'))
  writeFileSync(join(work, 'upstream/greeting.txt'), 'fetched upstream at bundle time\n')
  upstream = await startStaticServer(join(work, 'upstream'))
  servers.push(upstream)
  mkdirSync(join(work, 'def'))
  writeFileSync(join(work, 'def/zsrc.pkg.lua'), definition(upstream.url))
  writeFileSync(join(work, 'def/zsrc.sh'), '#!/bin/sh\necho zsrc from a bundle\n')
})

/** dist/zoi inside a network namespace with no interfaces: offline means offline. */
function zoiNoNet(args: string[], home: string) {
  return runCommand(['unshare', '-n', ZOI_BIN, ...args], { home })
}

function installedGreeting(home: string): string {
  const store = join(home, '.zoi/pkgs/store')
  const pkg = readdirSync(store).find((d) => d.endsWith('-zsrc'))!
  return readFileSync(join(store, pkg, '3.0.0/share/greeting.txt'), 'utf8')
}

test('package bundle: prepare() output, the definition folder and .zoi-prepared, reproducibly, with sidecars', async () => {
  const home = makeTempDir()
  for (const out of ['a', 'b']) {
    const r = await runZoi(['package', 'bundle', join(work, 'def/zsrc.pkg.lua'), '-o', join(work, out)], { home })
    expect(r.exitCode, formatResult(r)).toBe(0)
  }
  const bundle = join(work, 'a/zsrc-3.0.0.zsa')
  expect(readFileSync(join(work, 'b/zsrc-3.0.0.zsa')).equals(readFileSync(bundle))).toBe(true)
  expect(readFileSync(`${bundle}.hash`, 'utf8')).toMatch(/^[0-9a-f]{128} {2}zsrc-3\.0\.0\.zsa\n$/)
  expect(existsSync(`${bundle}.size`)).toBe(true)
  const x = join(home, 'x')
  expect((await runZoi(['package', 'extract', bundle, x], { home })).exitCode).toBe(0)
  expect(readdirSync(x).sort()).toEqual(['.zoi-prepared', 'greeting.txt', 'zsrc.pkg.lua', 'zsrc.sh'])
  expect(readFileSync(join(x, '.zoi-prepared'), 'utf8')).toBe('')
})

test.skipIf(noUnshare)('install x.zsa and package build x.zsa build with no network (unshare -n); the definition alone cannot', async () => {
  const home = makeTempDir()
  const bundle = join(work, 'a/zsrc-3.0.0.zsa')
  if (!existsSync(bundle)) expect((await runZoi(['package', 'bundle', join(work, 'def/zsrc.pkg.lua'), '-o', join(work, 'a')], { home })).exitCode).toBe(0)
  const control = await zoiNoNet(['install', join(work, 'def/zsrc.pkg.lua')], home)
  expect(control.exitCode, formatResult(control)).toBe(5)

  const r = await zoiNoNet(['install', bundle], home)
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(installedGreeting(home)).toBe('fetched upstream at bundle time\n')
  expect((await runCommand([join(home, '.zoi/pkgs/bin/zsrc')], { home })).stdout).toBe('zsrc from a bundle\n')

  const out = join(home, 'built')
  const b = await zoiNoNet(['package', 'build', bundle, '--format', 'zpa', '-o', out], home)
  expect(b.exitCode, formatResult(b)).toBe(0)
  expect(readdirSync(out)).toContain('zsrc-3.0.0-linux-amd64.zpa')
})

test.skipIf(noUnshare)('a registry source build uses the source-main .zsa found in a pkg-dir or the cache, offline', async () => {
  const home = makeTempDir()
  const media = join(work, 'a')
  if (!existsSync(join(media, 'zsrc-3.0.0.zsa'))) expect((await runZoi(['package', 'bundle', join(work, 'def/zsrc.pkg.lua'), '-o', media], { home })).exitCode).toBe(0)
  const repo = await makeGitRepo({
    'repo.yaml': 'name: Zoidberg\nrepos:\n  - name: core\n    active: true\npkg:\n  - type: source-main\n    url: http://127.0.0.1:9/{id}/{version}/{name}-{version}.zsa\n',
    'core/zsrc/zsrc.pkg.lua': definition(upstream.url),
    'core/zsrc/zsrc.sh': '#!/bin/sh\necho zsrc from a bundle\n',
  })
  const git = startGitServer(join(repo, '..'))
  servers.push(git)
  await runZoi(['sync', 'set', `${git.url}/${repo.split('/').pop()}`], { home })
  expect((await runZoi(['sync'], { home })).exitCode).toBe(0)
  const r = await zoiNoNet(['--offline', 'install', 'zsrc', '--pkg-dir', media], home)
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(r.stderr).toContain('zsrc-3.0.0.zsa')
  expect(installedGreeting(home)).toBe('fetched upstream at bundle time\n')

  expect((await runZoi(['uninstall', 'zsrc'], { home })).exitCode).toBe(0)
  expect((await runZoi(['cache', 'add', join(media, 'zsrc-3.0.0.zsa')], { home })).exitCode).toBe(0)
  const ls = JSON.parse((await runZoi(['cache', 'ls', '--json'], { home })).stdout)
  expect(ls).toMatchObject([{ fileName: 'zsrc-3.0.0.zsa', name: 'zsrc', version: '3.0.0', platform: 'source' }])
  const cached = await zoiNoNet(['--offline', 'install', 'zsrc'], home)
  expect(cached.exitCode, formatResult(cached)).toBe(0)
  expect(installedGreeting(home)).toBe('fetched upstream at bundle time\n')
})
