/**
 * Sources that cross the air gap (SPEC §11) with the compiled binary: a definition that unpacks
 * a tarball AND runs `git clone` in cmd() is prepared online with `zoi source fetch`, then built
 * offline inside a network namespace once both servers are gone; a second HOME builds it through
 * `source_mirrors` pointing at `zoi serve` of a mirror made with --with-sources; an offline miss
 * names the URL; hand-carried files (`source add`, a git bundle) make the offline build work; and
 * an online and an offline build of the same definition give the same archive bytes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join, resolve } from 'node:path'
import { startGitServer, type GitServer } from '../support/git-server.ts'
import { writeTarZst } from '../support/make-archive.ts'
import { makeGitRepo, removeTempDirs, runGit } from '../support/make-git-repo.ts'
import { formatResult, makeTempDir, runCommand, runZoi, ZOI_BIN } from '../support/run-cli.ts'
import { startZoiServe } from '../support/zoi-serve.ts'
import { startStaticServer, type StaticServer } from '../support/static-server.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const hasGit = Bun.which('git') !== null
const canUnshare = (await runCommand(['unshare', '-n', 'true'], { home: '/' }).catch(() => ({ exitCode: 1 }))).exitCode === 0

let files: StaticServer
let gits: GitServer
let work: string
let registry: string
let tarballUrl: string
let gitUrl: string
let repo: string
let upstreamStopped = false
const stops: (() => Promise<unknown>)[] = []

const zoi = (home: string, ...args: string[]) => runZoi(args, { home })
/** The same command with no network interface at all (offline means offline). */
const zoiNoNet = (home: string, ...args: string[]) =>
  canUnshare ? runCommand(['unshare', '-n', ZOI_BIN, ...args], { home }) : runZoi(args, { home })

beforeAll(async () => {
  if (!hasGit) return
  work = makeTempDir('zoi-sources-e2e-')
  mkdirSync(join(work, 'up'), { recursive: true })
  await writeTarZst(join(work, 'up/greet-1.0.tar.zst'), [{ name: 'greet-1.0/greeting.txt', content: 'hello from a tarball\n' }])
  files = await startStaticServer(join(work, 'up'))
  tarballUrl = `${files.url}/greet-1.0.tar.zst`
  repo = await makeGitRepo({ 'lib.txt': 'library at v1\n' })
  await runGit(repo, ['tag', '-a', 'v1', '-m', 'release v1'])
  writeFileSync(join(repo, 'lib.txt'), 'library after v1\n')
  await runGit(repo, ['commit', '-qam', 'after v1'])
  gits = startGitServer(resolve(repo, '..'))
  gitUrl = `${gits.url}/${repo.split('/').pop()}`
  stops.push(() => files.stop(), () => gits.stop())
  registry = join(work, 'registry')
  cpSync(EXAMPLES, registry, { recursive: true })
  mkdirSync(join(registry, 'core/offsrc'), { recursive: true })
  writeFileSync(join(work, 'up/tool.sh'), '#!/bin/sh\necho tool\n')
  mkdirSync(join(registry, 'core/offtool'), { recursive: true })
  writeFileSync(join(registry, 'core/offtool/offtool.pkg.lua'), `metadata({ name = "offtool", repo = "core", version = "2.0.0", types = { "source" } })
function prepare() UTILS.DOWNLOAD("${files.url}/tool.sh", "tool.sh") end
function package() zcp("tool.sh", "\${pkgstore}/tool.sh") end
`)
  writeFileSync(join(registry, 'core/offsrc/offsrc.pkg.lua'), `metadata({ name = "offsrc", repo = "core", version = "1.0.0", types = { "source" } })
dependencies({ build = { required = { "zoi:offtool" } } })
function prepare()
  UTILS.EXTRACT("${tarballUrl}", "tarball")
  local out, err, code = cmd("git clone --depth 1 --branch v1 ${gitUrl} src")
  if code ~= 0 then error("git clone failed (" .. code .. "): " .. err) end
  local _, err2, code2 = cmd("git -C src describe --tags > described.txt")
  if code2 ~= 0 then error("git describe failed: " .. err2) end
end
function package()
  zcp("tarball/greet-1.0/greeting.txt", "\${pkgstore}/share/greeting.txt")
  zcp("src/lib.txt", "\${pkgstore}/share/lib.txt")
  zcp("described.txt", "\${pkgstore}/share/described.txt")
end
`)
})

afterAll(async () => {
  for (const stop of stops) await stop()
  await removeTempDirs()
})

async function homeWithRegistry(): Promise<string> {
  const home = makeTempDir()
  expect((await zoi(home, 'sync', 'set', registry)).exitCode).toBe(0)
  expect((await zoi(home, 'sync')).exitCode).toBe(0)
  return home
}

function installedFile(home: string, name: string): string {
  const store = join(home, '.zoi/pkgs/store')
  const dir = readdirNames(store).find((d) => d.endsWith('-offsrc'))!
  return readFileSync(join(store, dir, '1.0.0/share', name), 'utf8')
}

const readdirNames = (dir: string): string[] => readdirSync(dir)

describe.skipIf(!hasGit)('sources across the gap', () => {
  let fetchedHome: string
  let mirrorUrl: string

  test('online: the same definition built with and without network gives byte-identical archives', async () => {
    const home = await homeWithRegistry()
    const definition = join(registry, 'core/offsrc/offsrc.pkg.lua')
    const online = await zoi(home, 'package', 'build', definition, '-o', join(home, 'online'))
    expect(online.exitCode, formatResult(online)).toBe(0)
    const offline = await zoiNoNet(home, 'package', 'build', definition, '-o', join(home, 'offline'), '--offline')
    expect(offline.exitCode, formatResult(offline)).toBe(0)
    const name = readdirNames(join(home, 'online')).find((f) => f.endsWith('.pkg.tar.zst'))!
    expect(readFileSync(join(home, 'offline', name)).equals(readFileSync(join(home, 'online', name)))).toBe(true)
  }, 60_000)

  test('source fetch --closure build records the tarball, the git ref and the build dependency\'s download; source ls shows them', async () => {
    fetchedHome = await homeWithRegistry()
    const r = await zoi(fetchedHome, 'source', 'fetch', 'offsrc', '--closure', 'build')
    expect(r.exitCode, formatResult(r)).toBe(0)
    expect(r.stdout).toContain('Fetched sources of offsrc 1.0.0')
    expect(r.stdout).toContain('Fetched sources of offtool 2.0.0')
    const ls = await zoi(fetchedHome, 'source', 'ls', '--json')
    const rows = JSON.parse(ls.stdout) as Array<{ url: string; kind: string; packages: string[] }>
    expect(rows.map((row) => [row.url, row.kind, row.packages])).toEqual(
      [[tarballUrl, 'file', ['offsrc']], [gitUrl, 'git', ['offsrc']], [`${files.url}/tool.sh`, 'file', ['offtool']]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    )
  }, 60_000)

  test('zoi mirror --with-sources writes the hashed layout; zoi serve serves it', async () => {
    const dir = join(fetchedHome, 'mirror')
    // offsrc's build dependency offtool is built (and installed) first: its source travels too.
    const made = await zoi(fetchedHome, 'mirror', dir, '--packages', 'offsrc', '--packages', 'offtool', '--with-sources')
    expect(made.exitCode, formatResult(made)).toBe(0)
    expect(made.stdout).toContain('sources: 2 files, 1 git repositories')
    expect(readFileSync(join(dir, 'sources/by-url', createHash('sha256').update(tarballUrl).digest('hex')))).toEqual(readFileSync(join(work, 'up/greet-1.0.tar.zst')))
    const served = await startZoiServe(fetchedHome, dir)
    stops.push(served.stop)
    mirrorUrl = served.url
  }, 60_000)

  test('with the servers killed, install --build --offline inside unshare -n builds from the source cache (tarball + git clone + describe)', async () => {
    await files.stop()
    await gits.stop()
    upstreamStopped = true
    const r = await zoiNoNet(fetchedHome, 'install', 'offsrc', '--build', '--offline')
    expect(r.exitCode, formatResult(r)).toBe(0)
    expect(installedFile(fetchedHome, 'greeting.txt')).toBe('hello from a tarball\n')
    expect(installedFile(fetchedHome, 'lib.txt')).toBe('library at v1\n')
    expect(installedFile(fetchedHome, 'described.txt')).toBe('v1\n')
  }, 60_000)

  test('a second HOME with only source_mirrors builds it with upstream dead', async () => {
    expect(upstreamStopped).toBe(true)
    const home = await homeWithRegistry()
    writeFileSync(join(home, '.zoi/pkgs/config.yaml'), `${readFileSync(join(home, '.zoi/pkgs/config.yaml'), 'utf8')}\nsource_mirrors:\n  - ${mirrorUrl}\n`)
    const r = await zoi(home, 'install', 'offsrc', '--build')
    expect(r.exitCode, formatResult(r)).toBe(0)
    expect(r.stderr).toContain(`downloading ${mirrorUrl}/sources/by-url/${createHash('sha256').update(tarballUrl).digest('hex')}`)
    expect(installedFile(home, 'lib.txt')).toBe('library at v1\n')
  }, 60_000)

  test('an offline miss is exit 5 naming the URL; source add of the hand-carried tarball and a git bundle makes it build', async () => {
    const home = await homeWithRegistry()
    // The build dependency is built first: its download is the first miss.
    const toolMiss = await zoiNoNet(home, 'install', 'offsrc', '--build', '--offline')
    expect(toolMiss.exitCode, formatResult(toolMiss)).toBe(5)
    expect(toolMiss.stderr).toContain(`Missing: ${files.url}/tool.sh`)
    expect((await zoi(home, 'source', 'add', join(work, 'up/tool.sh'), '--url', `${files.url}/tool.sh`, '--offline')).exitCode).toBe(0)
    const miss = await zoiNoNet(home, 'install', 'offsrc', '--build', '--offline')
    expect(miss.exitCode, formatResult(miss)).toBe(5)
    expect(miss.stderr).toContain(`Missing: ${tarballUrl}`)
    expect(miss.stderr).toContain('zoi source add')
    const added = await zoi(home, 'source', 'add', join(work, 'up/greet-1.0.tar.zst'), '--url', tarballUrl, '--offline')
    expect(added.exitCode, formatResult(added)).toBe(0)
    const gitMiss = await zoiNoNet(home, 'install', 'offsrc', '--build', '--offline')
    // cmd()'s git could not clone: the definition errors out, and the build reports the real cause.
    expect(gitMiss.exitCode, formatResult(gitMiss)).toBe(5)
    expect(gitMiss.stderr).toContain(`error: git in cmd(): git source (ref v1) not in the source cache and cannot download: offline mode. Missing: ${gitUrl}`)
    const bundle = join(work, 'lib.bundle')
    await runGit(repo, ['bundle', 'create', bundle, '--all'])
    const addedGit = await zoi(home, 'source', 'add', bundle, '--url', gitUrl, '--offline')
    expect(addedGit.exitCode, formatResult(addedGit)).toBe(0)
    const r = await zoiNoNet(home, 'install', 'offsrc', '--build', '--offline')
    expect(r.exitCode, formatResult(r)).toBe(0)
    expect(installedFile(home, 'greeting.txt')).toBe('hello from a tarball\n')
  }, 60_000)
})
