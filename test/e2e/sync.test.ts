/**
 * `zoi sync` end to end with the compiled binary: over git smart-HTTP from a local server, from
 * local clones, bare repositories and plain folders, offline, with hostile definitions, and
 * with a 5,000-package registry.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startGitServer, type GitServer } from '../support/git-server.ts'
import { commitChanges, makeBareClone, makeGitRepo, runGit } from '../support/make-git-repo.ts'
import { formatResult, makeTempDir, runCommand, runZoi } from '../support/run-cli.ts'

const def = (name: string, version: string, extra = '') =>
  `metadata({ name = "${name}", repo = "core", version = "${version}", description = "the ${name} tool", bins = { "${name}" }, tags = { "cli" } })\n${extra}`

const REGISTRY = {
  'repo.yaml': 'name: TestReg\ndescription: test registry\nrepos:\n  - {name: core, active: true}\n',
  'core/alpha/alpha.pkg.lua': def('alpha', '1.0.0', 'dependencies({ runtime = { "zoi:beta@^2" } })'),
  'core/beta/beta.pkg.lua': def('beta', '2.1.0'),
}

const servers: GitServer[] = []
afterAll(async () => {
  for (const s of servers) await s.stop()
})

async function serve(files: Record<string, string>): Promise<{ server: GitServer; url: string; dir: string }> {
  const dir = await makeGitRepo(files)
  const root = join(dir, '..')
  const server = startGitServer(root)
  servers.push(server)
  return { server, url: `${server.url}/${dir.split('/').pop()}`, dir }
}

async function zoi(home: string, ...args: string[]) {
  return runZoi(args, { home })
}

describe('sync over HTTP', () => {
  test('clone, index, query, incremental re-sync, offline re-index', async () => {
    const { server, url, dir } = await serve(REGISTRY)
    const home = makeTempDir()
    expect((await zoi(home, 'sync', 'set', url)).exitCode).toBe(0)
    const first = await zoi(home, 'sync', '--json')
    expect(first.exitCode, formatResult(first)).toBe(0)
    const [r1] = JSON.parse(first.stdout)
    expect(r1).toMatchObject({ handle: 'testreg', fetched: true, changed: true, packages: 2, evaluated: 2, errors: [] })

    const search = await zoi(home, 'search', 'alp')
    expect(search.stdout).toContain('testreg/core/alpha 1.0.0')
    const show = await zoi(home, 'show', 'alpha', '--json')
    expect(JSON.parse(show.stdout)[0].dependencies).toEqual([{ kind: 'runtime', group: 'required', raw: 'zoi:beta@^2' }])

    // Upstream moves: one definition changes, one is added. Only those two are evaluated.
    await commitChanges(dir, { 'core/beta/beta.pkg.lua': def('beta', '2.2.0'), 'core/gamma/gamma.pkg.lua': def('gamma', '0.1.0') })
    const second = JSON.parse((await zoi(home, 'sync', '--json')).stdout)[0]
    expect(second).toMatchObject({ changed: true, packages: 3, evaluated: 2 })
    expect((await zoi(home, 'show', 'beta')).stdout).toContain('Version      : 2.2.0')

    // Nothing changed upstream: nothing evaluated.
    expect(JSON.parse((await zoi(home, 'sync', '--json')).stdout)[0]).toMatchObject({ changed: false, evaluated: 0 })

    // Server gone: an online sync fails with exit 5 and leaves clone and index usable.
    await server.stop()
    const dead = await zoi(home, 'sync')
    expect(dead.exitCode, formatResult(dead)).toBe(5)
    expect((await zoi(home, 'search', 'gamma')).stdout).toContain('gamma 0.1.0')

    // Offline: the clone is kept and re-indexed, no network needed.
    const off = await zoi(home, 'sync', '--offline', '--json')
    expect(off.exitCode, formatResult(off)).toBe(0)
    expect(JSON.parse(off.stdout)[0]).toMatchObject({ fetched: false, packages: 3 })
  })

  test('a re-sync after a removal, a rename and an INCLUDE change indexes what a fresh sync does', async () => {
    const { url, dir } = await serve({
      ...REGISTRY,
      'core/gamma/gamma.pkg.lua': 'INCLUDE("v.lua")\n' + def('gamma', 'V').replace('"V"', 'V'),
      'core/gamma/v.lua': 'V = "1.0.0"\n',
      'extra/delta/delta.pkg.lua': def('delta', '1.0.0'),
    })
    const home = makeTempDir()
    expect((await zoi(home, 'sync', 'set', url)).exitCode).toBe(0)
    expect((await zoi(home, 'sync')).exitCode).toBe(0)
    await runGit(dir, ['mv', 'extra/delta', 'core/delta'])
    await commitChanges(dir, { 'core/gamma/v.lua': 'V = "2.0.0"\n' }, ['core/beta/beta.pkg.lua'])
    const again = await zoi(home, 'sync', '--json')
    expect(again.exitCode, formatResult(again)).toBe(0)
    expect(JSON.parse(again.stdout)[0]).toMatchObject({ changed: true, packages: 3, evaluated: 2 })
    const fresh = makeTempDir()
    expect((await zoi(fresh, 'sync', 'set', url)).exitCode).toBe(0)
    expect((await zoi(fresh, 'sync')).exitCode).toBe(0)
    const listed = (h: string) => zoi(h, 'list', '--all').then((r) => r.stdout)
    expect(await listed(home)).toBe(await listed(fresh))
    expect(await listed(home)).toContain('gamma')
    expect(await listed(home)).not.toContain('beta')
    expect((await zoi(home, 'show', 'gamma')).stdout).toContain('2.0.0')
    expect((await zoi(home, 'show', 'delta', '--json')).stdout).toContain('core/delta/delta.pkg.lua')
    expect(await runGit(join(home, '.zoi/pkgs/db/testreg'), ['status', '--porcelain'])).toBe('')
  })

  test('offline on a machine that never synced: exit 5 naming the registry', async () => {
    const home = makeTempDir()
    await zoi(home, 'sync', 'set', 'http://127.0.0.1:9/never/registry.git')
    const r = await zoi(home, 'sync', '--offline')
    expect(r.exitCode).toBe(5)
    expect(r.stderr).toContain("error: registry 'http://127.0.0.1:9/never/registry.git' is not synced and offline mode forbids fetching it")
    expect(r.stderr).toContain('hint: ')
  })

  const strace = Bun.which('strace')
  const unshare = Bun.which('unshare', { PATH: `${process.env.PATH}:/usr/bin:/usr/sbin` })

  async function syncedOnce(): Promise<{ url: string; home: string }> {
    const { url } = await serve(REGISTRY)
    const home = makeTempDir()
    await zoi(home, 'sync', 'set', url)
    expect((await zoi(home, 'sync')).exitCode).toBe(0)
    return { url, home }
  }

  test.skipIf(!strace)('offline opens no socket (needs strace)', async () => {
    const { url, home } = await syncedOnce()
    const log = join(home, 'strace.log')
    const traced = await runCommand([strace!, '-f', '-o', log, '-e', 'trace=socket,connect', join(import.meta.dir, '../../dist/zoi'), 'sync', '--offline'], { home })
    expect(traced.exitCode, formatResult(traced)).toBe(0)
    const calls = await Bun.file(log).text()
    expect(calls).not.toMatch(/AF_INET6?/)
    // And an offline command that WOULD need the network refuses before any socket.
    const fresh = makeTempDir()
    await zoi(fresh, 'sync', 'set', url)
    const log2 = join(fresh, 'strace.log')
    const refused = await runCommand([strace!, '-f', '-o', log2, '-e', 'trace=socket,connect', join(import.meta.dir, '../../dist/zoi'), '--offline', 'sync'], { home: fresh })
    expect(refused.exitCode).toBe(5)
    expect(await Bun.file(log2).text()).not.toMatch(/AF_INET6?/)
  })

  test.skipIf(!unshare || process.getuid?.() !== 0)('offline works without network (needs unshare -n as root)', async () => {
    const { home } = await syncedOnce()
    const isolated = await runCommand([unshare!, '-n', join(import.meta.dir, '../../dist/zoi'), 'sync', '--offline'], { home })
    expect(isolated.exitCode, formatResult(isolated)).toBe(0)
    const search = await runCommand([unshare!, '-n', join(import.meta.dir, '../../dist/zoi'), 'search', 'beta', '--offline'], { home })
    expect(search.stdout).toContain('beta 2.1.0')
  })
})

test('--fallback: when the main URL fails, the git mirrors of repo.yaml are tried', async () => {
  const dir = await makeGitRepo(REGISTRY)
  const root = join(dir, '..')
  const main = startGitServer(root)
  const mirror = startGitServer(root)
  servers.push(main, mirror)
  const name = dir.split('/').pop()
  await commitChanges(dir, { 'repo.yaml': `${REGISTRY['repo.yaml']}git:\n  - {type: main, url: ${main.url}/${name}}\n  - {type: mirror, url: ${mirror.url}/${name}}\n` })
  const home = makeTempDir()
  await zoi(home, 'sync', 'set', `${main.url}/${name}`)
  expect((await zoi(home, 'sync')).exitCode).toBe(0)
  await commitChanges(dir, { 'core/gamma/gamma.pkg.lua': def('gamma', '0.2.0') })
  await main.stop()
  const without = await zoi(home, 'sync')
  expect(without.exitCode).toBe(5)
  const fallback = await zoi(home, 'sync', '--fallback', '--json')
  expect(fallback.exitCode, formatResult(fallback)).toBe(0)
  expect(fallback.stderr).toContain(`trying mirror ${mirror.url}/${name}`)
  expect(JSON.parse(fallback.stdout)[0]).toMatchObject({ changed: true, packages: 3 })
  expect(mirror.requests).toBeGreaterThan(0)
})

describe('sync from local paths (no git on the machine needed)', () => {
  test('a working clone, a bare repository and a plain folder', async () => {
    const work = await makeGitRepo(REGISTRY)
    const bare = await makeBareClone(work)
    const plain = makeTempDir()
    for (const [p, text] of Object.entries(REGISTRY)) {
      mkdirSync(join(plain, p, '..'), { recursive: true })
      writeFileSync(join(plain, p), text)
    }
    for (const source of [work, bare, plain]) {
      const home = makeTempDir()
      await zoi(home, 'sync', 'set', source)
      const r = await zoi(home, 'sync', '--offline', '--json')
      expect(r.exitCode, formatResult(r)).toBe(0)
      expect(JSON.parse(r.stdout)[0]).toMatchObject({ handle: 'testreg', packages: 2 })
      expect((await zoi(home, 'search', 'beta')).stdout).toContain('testreg/core/beta 2.1.0')
    }
  })

  test('one broken registry does not stop the others; the run still fails', async () => {
    const home = makeTempDir()
    await zoi(home, 'sync', 'set', await makeGitRepo(REGISTRY))
    const broken = makeTempDir()
    await zoi(home, 'sync', 'add', broken)
    const r = await zoi(home, 'sync')
    expect(r.exitCode).toBe(6)
    expect(r.stderr).toContain(`\nerror: 1 of 2 registries failed to sync (1 synced):\n  ${broken}: registry '${broken}' has no repo.yaml at its root`)
    expect((await zoi(home, 'search', 'beta')).stdout).toContain('testreg/core/beta 2.1.0')
  })

  test('sync add: several registries, addressed by handle', async () => {
    const other = await makeGitRepo({ 'repo.yaml': 'name: Other\n', 'main/delta/delta.pkg.lua': def('delta', '4.0.0') })
    const home = makeTempDir()
    await zoi(home, 'sync', 'set', await makeGitRepo(REGISTRY))
    await zoi(home, 'sync', 'add', other)
    const r = await zoi(home, 'sync', '--json')
    expect(JSON.parse(r.stdout).map((x: { handle: string }) => x.handle)).toEqual(['testreg', 'other'])
    expect((await zoi(home, 'show', '#other@main/delta')).stdout).toContain('Registry     : other')
    const list = JSON.parse((await zoi(home, 'sync', 'list', '--json')).stdout)
    expect(list.map((x: { handle: string }) => x.handle)).toEqual(['testreg', 'other'])
  })
})

test('hostile definitions are per-file errors; nothing else happens', async () => {
  const marker = join(makeTempDir(), 'pwned')
  const registry = {
    'repo.yaml': 'name: Hostile\n',
    'core/good/good.pkg.lua': def('good', '1.0.0'),
    'core/loop/loop.pkg.lua': 'while true do end',
    'core/exec/exec.pkg.lua': `os.execute("touch ${marker}")\n${def('exec', '1.0.0')}`,
    'core/write/write.pkg.lua': `local f = io.open("${marker}", "w") f:write("x") f:close()\n${def('write', '1.0.0')}`,
    'core/syntax/syntax.pkg.lua': 'metadata({ name = "syntax", ',
    'core/huge/huge.pkg.lua': 'local s = "x" for i = 1, 30 do s = s .. s end\nmetadata({ name = "huge", version = "1.0.0", description = s })',
    'core/noname/noname.pkg.lua': 'metadata({ version = "1.0.0" })',
  }
  const home = makeTempDir()
  await zoi(home, 'sync', 'set', await makeGitRepo(registry))
  // A hang (the loop) would outlast runZoi's own kill timer and fail the exit code.
  const r = await zoi(home, 'sync', '--json')
  expect(r.exitCode, formatResult(r)).toBe(0)
  const result = JSON.parse(r.stdout)[0]
  expect(result.packages).toBe(1)
  const failed = result.errors.map((e: { path: string }) => e.path).sort()
  expect(failed).toEqual(['core/exec/exec.pkg.lua', 'core/huge/huge.pkg.lua', 'core/loop/loop.pkg.lua', 'core/noname/noname.pkg.lua', 'core/syntax/syntax.pkg.lua', 'core/write/write.pkg.lua'])
  for (const e of result.errors) expect(e.error).toStartWith(e.path)
  expect(r.stderr).toContain('warning: core/loop/loop.pkg.lua')
  expect(existsSync(marker)).toBe(false)
  expect((await zoi(home, 'search', 'good')).stdout).toContain('hostile/core/good 1.0.0')
})

test('a registry of 5,000 generated definitions syncs and indexes', async () => {
  const files: Record<string, string> = { 'repo.yaml': 'name: Big\n' }
  for (let i = 0; i < 5000; i++) {
    const name = `pkg${i}`
    const dep = i > 0 ? `dependencies({ runtime = { "zoi:pkg${i - 1}@>=1" } })` : ''
    files[`core/${name}/${name}.pkg.lua`] = def(name, `1.${i % 7}.0`, dep)
  }
  const { url } = await serve(files)
  const home = makeTempDir()
  await zoi(home, 'sync', 'set', url)
  const r = await runZoi(['sync', '--json'], { home, timeoutMs: 300_000 })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(JSON.parse(r.stdout)[0]).toMatchObject({ packages: 5000, evaluated: 5000, errors: [] })
  const again = JSON.parse((await runZoi(['sync', '--json'], { home, timeoutMs: 120_000 })).stdout)[0]
  expect(again).toMatchObject({ changed: false, evaluated: 0 })
  expect((await zoi(home, 'search', 'pkg4999')).stdout).toContain('big/core/pkg4999')
}, 300_000)
