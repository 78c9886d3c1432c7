/**
 * A build closure across the air gap (issues #13 and #14): a package with no pre-built archive,
 * whose `prepare()` unpacks a tarball from an HTTP server AND runs `git clone` of a git server,
 * with a build dependency that is source-only too. `bundle create --closure build` records the
 * sources online; with both servers gone, `bundle verify` builds it in a throw-away root, and a
 * fresh HOME imports the bundle and builds + installs it inside `unshare -n`; an increment that
 * inherits the sources is then proven alone there, from that machine's source cache.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startGitServer, type GitServer } from '../support/git-server.ts'
import { writeTarZst } from '../support/make-archive.ts'
import { makeGitRepo, removeTempDirs, runGit } from '../support/make-git-repo.ts'
import { formatResult, makeTempDir, runCommand, runZoi, ZOI_BIN } from '../support/run-cli.ts'
import { startStaticServer, type StaticServer } from '../support/static-server.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const hasGit = Bun.which('git') !== null
const canUnshare = process.getuid?.() === 0 && (await runCommand(['unshare', '-n', 'true'], { home: '/' }).catch(() => ({ exitCode: 1 }))).exitCode === 0
const zoi = (home: string, ...args: string[]) => runZoi(args, { home })
const zoiNoNet = (home: string, ...args: string[]) => (canUnshare ? runCommand(['unshare', '-n', ZOI_BIN, ...args, '--offline'], { home }) : runZoi([...args, '--offline'], { home }))

let files: StaticServer
let gits: GitServer
let work: string
let registry: string

beforeAll(async () => {
  if (!hasGit) return
  work = makeTempDir('zoi-bundle-build-')
  mkdirSync(join(work, 'up'), { recursive: true })
  await writeTarZst(join(work, 'up/greet-1.0.tar.zst'), [{ name: 'greet-1.0/greeting.txt', content: 'hello from a tarball\n' }])
  writeFileSync(join(work, 'up/tool.sh'), '#!/bin/sh\necho tool\n')
  files = await startStaticServer(join(work, 'up'))
  const repo = await makeGitRepo({ 'lib.txt': 'library at v1\n' })
  await runGit(repo, ['tag', '-a', 'v1', '-m', 'release v1'])
  gits = startGitServer(resolve(repo, '..'))
  const gitUrl = `${gits.url}/${repo.split('/').pop()}`
  registry = join(work, 'registry')
  cpSync(EXAMPLES, registry, { recursive: true })
  mkdirSync(join(registry, 'core/offtool'), { recursive: true })
  writeFileSync(join(registry, 'core/offtool/offtool.pkg.lua'), `metadata({ name = "offtool", repo = "core", version = "2.0.0", types = { "source" } })
function prepare() UTILS.DOWNLOAD("${files.url}/tool.sh", "tool.sh") end
function package() zcp("tool.sh", "\${pkgstore}/tool.sh") end
`)
  mkdirSync(join(registry, 'core/offsrc'), { recursive: true })
  writeFileSync(join(registry, 'core/offsrc/offsrc.pkg.lua'), `metadata({ name = "offsrc", repo = "core", version = "1.0.0", types = { "source" } })
dependencies({ runtime = { "zoi:libgreet" }, build = { required = { "zoi:offtool" } } })
function prepare()
  UTILS.EXTRACT("${files.url}/greet-1.0.tar.zst", "tarball")
  local _, err, code = cmd("git clone --depth 1 --branch v1 ${gitUrl} src")
  if code ~= 0 then error("git clone failed (" .. code .. "): " .. err) end
end
function package()
  zcp("tarball/greet-1.0/greeting.txt", "\${pkgstore}/share/greeting.txt")
  zcp("src/lib.txt", "\${pkgstore}/share/lib.txt")
end
`)
})

afterAll(async () => {
  await files?.stop()
  await gits?.stop()
  await removeTempDirs()
})

describe.skipIf(!hasGit)('bundle create --closure build', () => {
  test('sources and build dependencies travel; the far side builds offline (verify, then import + install inside unshare -n)', async () => {
    const online = makeTempDir()
    const built = join(online, 'built')
    const b = await zoi(online, 'package', 'build', join(EXAMPLES, 'core/libgreet/libgreet.pkg.lua'), '-o', built)
    expect(b.exitCode, formatResult(b)).toBe(0)
    await zoi(online, 'sync', 'set', registry)
    expect((await zoi(online, 'sync')).exitCode).toBe(0)
    const dir = join(online, 'usb')
    const made = await zoi(online, 'bundle', 'create', 'offsrc', '--closure', 'build', '-o', dir, '--pkg-dir', built)
    expect(made.exitCode, formatResult(made)).toBe(0)
    const m = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8'))
    expect(m.closure).toBe('build')
    const plan = m.plans['linux-amd64'] as { name: string; source?: boolean; file: string }[]
    expect(plan.map((p) => [p.name, Boolean(p.source)])).toEqual([['libgreet', false], ['offsrc', true]])
    expect(existsSync(join(dir, 'archives/libgreet-1.2.0-linux-amd64.pkg.tar.zst'))).toBe(true)
    expect(existsSync(join(dir, 'sources/index.json'))).toBe(true)
    const index = JSON.parse(readFileSync(join(dir, 'sources/index.json'), 'utf8'))
    expect(Object.keys(index.urls)).toContain(`${files.url}/greet-1.0.tar.zst`)
    expect(Object.keys(index.git).length).toBe(1)

    await files.stop()
    await gits.stop()

    const far = makeTempDir()
    const verify = await zoiNoNet(far, 'bundle', 'verify', dir)
    expect(verify.exitCode, formatResult(verify)).toBe(0)
    expect(verify.stdout).toContain('ok: linux-amd64: the requests install offline from the bundle alone')
    const imported = await zoiNoNet(far, 'bundle', 'import', dir)
    expect(imported.exitCode, formatResult(imported)).toBe(0)
    const install = await zoiNoNet(far, 'install', 'offsrc', '-y')
    expect(install.exitCode, formatResult(install)).toBe(0)
    expect(install.stdout).toContain('installed offsrc 1.0.0')
    const share = join(far, '.zoi/pkgs/store')
    const found = (await runCommand(['find', share, '-name', 'lib.txt'], { home: far })).stdout.trim()
    expect(readFileSync(found, 'utf8')).toBe('library at v1\n')

    // An increment whose sources did not change inherits them (index.json included); where only
    // the base was imported, it is proven from this machine's source cache, rebuilt index and all.
    writeFileSync(join(registry, 'core/offsrc/NOTES'), 'an increment\n')
    expect((await zoi(online, 'sync')).exitCode).toBe(0)
    const inc = join(online, 'usb-inc')
    const more = await zoi(online, 'bundle', 'create', 'offsrc', '--closure', 'build', '-o', inc, '--pkg-dir', built, '--since', dir, '--offline')
    expect(more.exitCode, formatResult(more)).toBe(0)
    const inherited = (JSON.parse(readFileSync(join(inc, 'bundle.json'), 'utf8')).inherited as { path: string }[]).map((f) => f.path)
    expect(inherited).toContain('sources/index.json')
    expect(inherited.some((p) => p.startsWith('sources/sha512/'))).toBe(true)
    expect(inherited.some((p) => p.startsWith('sources/git/') && p.includes('/objects/'))).toBe(true)
    const alone = await zoiNoNet(far, 'bundle', 'verify', inc)
    expect(alone.exitCode, formatResult(alone)).toBe(0)
    expect(alone.stdout).toContain('ok: linux-amd64: the requests install offline from the bundle alone')
    // Built in the throw-away root from the sources found here (the tarball and the git tag).
    expect(alone.stderr).toContain('building offsrc 1.0.0 from source')
  })
})
