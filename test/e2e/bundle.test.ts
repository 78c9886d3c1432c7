/**
 * `zoi bundle` across the air gap, with the compiled binary (issue #14): an online machine with
 * a registry on a git server and archives on a static host makes a bundle; the servers go away;
 * the bundle is verified, imported and installed from with no network (inside `unshare -n` when
 * this machine allows it), into a HOME and into a fresh `--root`. Tampering is caught with the
 * file named; increments carry only what is new and need their base; bundles are reproducible.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cp, mkdir, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { startGitServer, type GitServer } from '../support/git-server.ts'
import { commitChanges, makeGitRepo, makeTempDir, readTree, removeTempDirs, type RepoFiles } from '../support/make-git-repo.ts'
import { formatResult, runCommand, runZoi, ZOI_BIN, type CliResult } from '../support/run-cli.ts'
import { startStaticServer, type StaticServer } from '../support/static-server.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const hasGit = Bun.which('git') !== null
const UNSHARE = Bun.which('unshare', { PATH: `${process.env.PATH}:/usr/bin:/usr/sbin` })
const canIsolate = UNSHARE !== null && process.getuid?.() === 0 && Bun.spawnSync([UNSHARE, '-n', 'true']).exitCode === 0

const zoi = (home: string, ...args: string[]) => runZoi(args, { home })
/**
 * Every file under `dir` with its size and mtime, every folder by name (zoi's own tmp folder,
 * made beside the db on first use, left out): what a read-only command must leave as it was.
 */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    if (rel.startsWith('pkgs/tmp')) continue
    const st = lstatSync(join(dir, rel))
    out[rel] = st.isDirectory() ? 'dir' : `${st.size}@${st.mtimeMs}`
  }
  return out
}
/** Runs zoi with no network at all: in a fresh network namespace when possible, always --offline. */
async function zoiIsolated(home: string, ...args: string[]): Promise<CliResult> {
  const cmd = canIsolate ? [UNSHARE!, '-n', ZOI_BIN, ...args, '--offline'] : [ZOI_BIN, ...args, '--offline']
  return runCommand(cmd, { home })
}

/** The online side: a registry on a git server whose pkg: links point at a static host of archives. */
interface Online {
  home: string
  upstream: string
  files: StaticServer
  git: GitServer
  archives: string
}

let online: Online
const stops: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  if (!hasGit) return
  const home = await makeTempDir()
  const archives = join(home, 'host')
  await mkdir(join(archives, 'pkgs'), { recursive: true })
  for (const name of ['hello', 'libgreet']) {
    for (const platform of ['linux-amd64', 'linux-arm64']) {
      const r = await zoi(home, 'package', 'build', join(EXAMPLES, 'core', name, `${name}.pkg.lua`), '--platform', platform, '-o', join(archives, 'pkgs'))
      expect(r.exitCode, formatResult(r)).toBe(0)
    }
  }
  const files = await startStaticServer(archives)
  const tree = readTree(EXAMPLES)
  tree['repo.yaml'] = `${tree['repo.yaml']}pkg:\n  - {type: main, url: "${files.url}/pkgs"}\n`
  const upstream = await makeGitRepo(tree)
  const git = startGitServer(join(upstream, '..'))
  stops.push(() => files.stop(), () => git.stop())
  expect((await zoi(home, 'sync', 'set', `${git.url}/${upstream.split('/').pop()}`)).exitCode).toBe(0)
  const sync = await zoi(home, 'sync')
  expect(sync.exitCode, formatResult(sync)).toBe(0)
  online = { home, upstream, files, git, archives }
})

afterAll(async () => {
  for (const stop of stops) await stop().catch(() => undefined)
  await removeTempDirs()
})

describe.skipIf(!hasGit)('zoi bundle', () => {
  test('dry run: the plan per platform with sizes and totals; nothing fetched or written', async () => {
    const out = join(online.home, 'dry')
    const before = online.files.hits.length
    const r = await zoi(online.home, 'bundle', 'create', 'hello', '-o', out, '--platform', 'linux-amd64', '--platform', 'linux-arm64', '--dry-run')
    expect(r.exitCode, formatResult(r)).toBe(0)
    expect(r.stdout).toContain('linux-amd64: 2 package(s)')
    expect(r.stdout).toContain('linux-arm64: 2 package(s)')
    expect(r.stdout).toMatch(/hello 1\.0\.0 {2}hello-1\.0\.0-linux-arm64\.pkg\.tar\.zst {2}\(\d+ B, \d+ B installed\)/)
    expect(r.stdout).toMatch(/Total Download Size: [\d.]+ KiB/)
    expect(r.stdout).toMatch(/Total Installed Size: [\d.]+ KiB/)
    expect(existsSync(out)).toBe(false)
    expect(online.files.hits.slice(before).filter((h) => h.endsWith('.zst'))).toEqual([])
  })

  test('journey: create online → servers gone → verify, import, install offline; install --from a tar into a fresh --root', async () => {
    const dir = join(online.home, 'usb/bundle')
    const tar = join(online.home, 'usb/bundle.tar')
    for (const out of [dir, tar]) {
      const r = await zoi(online.home, 'bundle', 'create', 'hello', '-o', out, '--platform', 'linux-amd64', '--platform', 'linux-arm64')
      expect(r.exitCode, formatResult(r)).toBe(0)
    }
    expect(online.files.hits).toContain('GET /pkgs/hello-1.0.0-linux-arm64.pkg.tar.zst')
    for (const f of ['bundle.json', 'registry.git/HEAD', 'registry.git/info/refs', 'registry/example.db', 'zoi/zoi-linux-amd64',
      'archives/hello-1.0.0-linux-amd64.pkg.tar.zst', 'archives/hello-1.0.0-linux-amd64.pkg.tar.zst.hash', 'archives/libgreet-1.2.0-linux-arm64.pkg.tar.zst.size']) {
      expect(existsSync(join(dir, f)), f).toBe(true)
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8'))
    expect(manifest).toMatchObject({ format: 'zoi-bundle', version: 1, requests: ['hello'], platforms: ['linux-amd64', 'linux-arm64'], closure: 'runtime' })
    expect(manifest.plans['linux-amd64'].map((p: { name: string }) => p.name)).toEqual(['libgreet', 'hello'])
    expect(manifest.registries[0]).toMatchObject({ handle: 'example', git: 'registry.git' })

    // The far side: no servers, no network.
    const far = await makeTempDir()
    const copy = join(far, 'usb')
    await cp(join(online.home, 'usb'), copy, { recursive: true })
    await online.git.stop()
    await online.files.stop()

    for (const b of ['bundle', 'bundle.tar']) {
      const verify = await zoiIsolated(far, 'bundle', 'verify', join(copy, b))
      expect(verify.exitCode, formatResult(verify)).toBe(0)
      expect(verify.stdout).toContain('ok: linux-amd64: the requests install offline from the bundle alone')
      expect(verify.stdout).toContain('ok: linux-arm64: the plan resolves and every archive is on board')
    }
    const ls = await zoiIsolated(far, 'bundle', 'ls', join(copy, 'bundle.tar'))
    expect(ls.exitCode, formatResult(ls)).toBe(0)
    expect(ls.stdout).toContain('requests: hello')
    expect(ls.stdout).toContain('zoi binaries: zoi-linux-amd64')

    const imported = await zoiIsolated(far, 'bundle', 'import', join(copy, 'bundle'))
    expect(imported.exitCode, formatResult(imported)).toBe(0)
    expect(imported.stdout).toContain('imported registry example')
    const install = await zoiIsolated(far, 'install', 'hello', '-y')
    expect(install.exitCode, formatResult(install)).toBe(0)
    expect((await runCommand([join(far, '.zoi/pkgs/bin/hello')], { home: far })).stdout).toContain('Hello from zoi!')

    // A fresh disk bootstrapped straight from the tar on the stick, by the zoi binary it carries.
    const root = join(far, 'newdisk')
    await mkdir(root)
    const other = await makeTempDir()
    const carried = join(copy, 'bundle/zoi/zoi-linux-amd64')
    const boot = await runCommand([...(canIsolate ? [UNSHARE!, '-n'] : []), carried, 'install', 'hello', '--from', join(copy, 'bundle.tar'), '--root', root, '--offline'], { home: other })
    expect(boot.exitCode, formatResult(boot)).toBe(0)
    expect(existsSync(join(root, 'usr/local/bin/hello'))).toBe(true)
    expect(existsSync(join(root, 'var/lib/zoi/pkgs/db/example.db'))).toBe(true)
    // The new root manages itself offline: its own config names the registry.
    const list = await runCommand([carried, 'list', '--root', root, '--offline'], { home: other })
    expect(list.stdout).toContain('hello')
    expect(readdirSync(other)).toEqual([]) // nothing written outside the root
  })
})

describe.skipIf(!hasGit)('zoi bundle against tampering, increments, reproducibility', () => {
  let work: string
  let registry: string
  let pkgs: string
  beforeAll(async () => {
    // A local registry and a pkg-dir: these cases need no servers.
    work = await makeTempDir()
    registry = await makeGitRepo(readTree(EXAMPLES))
    pkgs = join(work, 'pkgs')
    for (const name of ['hello', 'libgreet']) {
      const r = await zoi(work, 'package', 'build', join(EXAMPLES, 'core', name, `${name}.pkg.lua`), '-o', pkgs)
      expect(r.exitCode, formatResult(r)).toBe(0)
    }
    await zoi(work, 'sync', 'set', registry)
    expect((await zoi(work, 'sync')).exitCode).toBe(0)
  })

  const create = (out: string, ...extra: string[]) => zoi(work, 'bundle', 'create', 'hello', '-o', out, '--pkg-dir', pkgs, ...extra)
  /** A full bundle `<name>-base`, a registry commit changing hello's NOTES, a sync, and the increment `<name>-inc` on top. */
  const baseThenIncrement = async (name: string, notes: string): Promise<{ base: string; inc: string; made: CliResult }> => {
    const base = join(work, `${name}-base`)
    expect((await create(base)).exitCode).toBe(0)
    await commitChanges(registry, { 'core/hello/NOTES': notes })
    expect((await zoi(work, 'sync')).exitCode).toBe(0)
    const inc = join(work, `${name}-inc`)
    return { base, inc, made: await create(inc, '--since', base) }
  }

  test('a flipped byte, a missing archive, a changed manifest and an extra file are each caught with the file named', async () => {
    const dir = join(work, 'tamper')
    expect((await create(dir)).exitCode).toBe(0)
    const archive = 'archives/hello-1.0.0-linux-amd64.pkg.tar.zst'

    const flipped = join(work, 'flipped')
    await cp(dir, flipped, { recursive: true })
    const bytes = readFileSync(join(flipped, archive))
    bytes[100]! ^= 1
    writeFileSync(join(flipped, archive), bytes)
    const v1 = await zoi(work, 'bundle', 'verify', flipped)
    expect(v1.exitCode, formatResult(v1)).toBe(6)
    expect(v1.stdout).toContain(`corrupt: ${archive} does not match its SHA-512`)

    const missing = join(work, 'missing')
    await cp(dir, missing, { recursive: true })
    await rm(join(missing, archive))
    const v2 = await zoi(work, 'bundle', 'verify', missing)
    expect(v2.exitCode, formatResult(v2)).toBe(4)
    expect(v2.stdout).toContain(`missing: ${archive} is missing`)

    const changed = join(work, 'changed')
    await cp(dir, changed, { recursive: true })
    const m = JSON.parse(readFileSync(join(changed, 'bundle.json'), 'utf8'))
    const entry = m.files.find((f: { path: string }) => f.path === 'archives/libgreet-1.2.0-linux-amd64.pkg.tar.zst')
    entry.sha512 = 'f'.repeat(128)
    writeFileSync(join(changed, 'bundle.json'), JSON.stringify(m, null, 2))
    const v3 = await zoi(work, 'bundle', 'verify', changed)
    expect(v3.exitCode, formatResult(v3)).toBe(6)
    expect(v3.stdout).toContain('archives/libgreet-1.2.0-linux-amd64.pkg.tar.zst does not match its SHA-512')

    const extra = join(work, 'extra')
    await cp(dir, extra, { recursive: true })
    writeFileSync(join(extra, 'archives/evil.sh'), 'echo hi\n')
    const v4 = await zoi(work, 'bundle', 'verify', extra, '--quick')
    expect(v4.exitCode, formatResult(v4)).toBe(6)
    expect(v4.stdout).toContain('archives/evil.sh is not in the manifest')

    // Import refuses a bad bundle and changes nothing.
    const far = await makeTempDir()
    const imp = await zoi(far, 'bundle', 'import', flipped, '--offline')
    expect(imp.exitCode).toBe(6)
    expect(imp.stderr).toContain(archive)
    expect(existsSync(join(far, '.zoi/pkgs/db'))).toBe(false)
  })

  test('a manifest whose requests cannot install is exit 4 naming the package', async () => {
    const dir = join(work, 'unsat')
    expect((await create(dir)).exitCode).toBe(0)
    const m = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8'))
    m.requests = ['hello', 'nosuchpkg']
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify(m, null, 2))
    const v = await zoi(work, 'bundle', 'verify', dir)
    expect(v.exitCode, formatResult(v)).toBe(4)
    expect(v.stdout).toContain('nosuchpkg')
  })

  test('same inputs: byte-identical bundle.json and tar; a re-run reuses what is there', async () => {
    expect((await create(join(work, 'r1'))).exitCode).toBe(0)
    expect((await create(join(work, 'r2'))).exitCode).toBe(0)
    expect(readFileSync(join(work, 'r1/bundle.json'))).toEqual(readFileSync(join(work, 'r2/bundle.json')))
    expect((await create(join(work, 't1.tar'))).exitCode).toBe(0)
    expect((await create(join(work, 't2.tar'))).exitCode).toBe(0)
    expect(Bun.hash(readFileSync(join(work, 't1.tar')))).toBe(Bun.hash(readFileSync(join(work, 't2.tar'))))
    const again = await create(join(work, 'r1'))
    expect(again.exitCode, formatResult(again)).toBe(0)
    expect(readFileSync(join(work, 'r1/bundle.json'))).toEqual(readFileSync(join(work, 'r2/bundle.json')))
  })

  test('increment: --since carries only new files; import needs the base first', async () => {
    const { base, inc, made } = await baseThenIncrement('plain', 'a new commit\n')
    expect(made.exitCode, formatResult(made)).toBe(0)
    expect(made.stdout).toMatch(/inherited from the base/)
    const m = JSON.parse(readFileSync(join(inc, 'bundle.json'), 'utf8'))
    expect(m.base).toMatch(/^[0-9a-f]{128}$/)
    // Archives and the zoi binary did not change: they stay in the base.
    expect(existsSync(join(inc, 'archives/hello-1.0.0-linux-amd64.pkg.tar.zst'))).toBe(false)
    expect(existsSync(join(inc, 'zoi/zoi-linux-amd64'))).toBe(false)
    expect(m.inherited.map((f: { path: string }) => f.path)).toContain('archives/hello-1.0.0-linux-amd64.pkg.tar.zst')

    const far = await makeTempDir()
    const early = await zoi(far, 'bundle', 'import', inc, '--offline')
    expect(early.exitCode, formatResult(early)).toBe(4)
    expect(early.stderr).toContain('never imported here')
    expect(early.stderr).toContain('zoi bundle import <base> <increment>')
    expect((await zoi(far, 'bundle', 'import', base, '--offline')).exitCode).toBe(0)
    const late = await zoi(far, 'bundle', 'import', inc, '--offline')
    expect(late.exitCode, formatResult(late)).toBe(0)
    expect(late.stdout).toContain(`registry example at ${m.registries[0].commit.slice(0, 12)}`)
    const install = await zoi(far, 'install', 'hello', '--offline', '-y')
    expect(install.exitCode, formatResult(install)).toBe(0)
  })

  test('an increment is proven by a real install with its base given before it, and imported in one command the same way', async () => {
    const { base, inc, made } = await baseThenIncrement('chain', 'the chain moved on\n')
    expect(made.exitCode, formatResult(made)).toBe(0)
    const commit = JSON.parse(readFileSync(join(inc, 'bundle.json'), 'utf8')).registries[0].commit as string

    // On a machine that never saw the base: with the base alongside, the increment installs.
    const far = await makeTempDir()
    const v = await zoi(far, 'bundle', 'verify', base, inc, '--offline')
    expect(v.exitCode, formatResult(v)).toBe(0)
    expect(v.stdout).toContain('ok: linux-amd64: the requests install offline from the bundle alone')
    expect(v.stdout).toContain(`files match ${inc}/bundle.json`)
    // Alone, or in the wrong order, its base is missing.
    for (const args of [[inc], [inc, base]]) {
      const r = await zoi(far, 'bundle', 'verify', ...args, '--offline')
      expect(r.exitCode, formatResult(r)).toBe(4)
      expect(r.stdout).toContain('never imported here and is not given before it')
    }
    // A base whose inherited archive was altered fails the chain (exit 6), naming the file.
    const bad = join(work, 'chain-bad-base')
    await cp(base, bad, { recursive: true })
    const archive = 'archives/hello-1.0.0-linux-amd64.pkg.tar.zst'
    const bytes = readFileSync(join(bad, archive))
    bytes[200]! ^= 1
    writeFileSync(join(bad, archive), bytes)
    const tampered = await zoi(far, 'bundle', 'verify', bad, inc, '--offline')
    expect(tampered.exitCode, formatResult(tampered)).toBe(6)
    expect(tampered.stdout).toContain(`corrupt: ${bad}: ${archive} does not match its SHA-512`)
    // Nothing was imported by any of that; then the chain comes in with one command.
    expect(existsSync(join(far, '.zoi/pkgs/db/example'))).toBe(false)
    const imported = await zoi(far, 'bundle', 'import', base, inc, '--offline')
    expect(imported.exitCode, formatResult(imported)).toBe(0)
    expect(imported.stdout).toContain(`${inc}: imported registry example at ${commit.slice(0, 12)}`)
    const install = await zoi(far, 'install', 'hello', '--offline', '-y')
    expect(install.exitCode, formatResult(install)).toBe(0)
    // A fresh disk bootstrapped from the base and its increment, straight from the stick.
    const root = join(far, 'newdisk')
    await mkdir(root)
    const bootHome = await makeTempDir()
    const lone = await zoi(bootHome, 'install', 'hello', '--from', inc, '--root', root, '--offline')
    expect(lone.exitCode, formatResult(lone)).toBe(4)
    expect(lone.stderr).toContain('is not given before it')
    const boot = await zoi(bootHome, 'install', 'hello', '--from', base, '--from', inc, '--root', root, '--offline')
    expect(boot.exitCode, formatResult(boot)).toBe(0)
    expect(existsSync(join(root, 'usr/local/bin/hello'))).toBe(true)
    expect(readFileSync(join(root, 'var/lib/zoi/pkgs/db/example/core/hello/NOTES'), 'utf8')).toBe('the chain moved on\n')
  })

  test('a lone increment whose base was imported here is proven by a real install from the copies here; a cleared or altered cache is refused, naming the file', async () => {
    // Packed registry objects and a sync that brings the pack, so that the increment inherits
    // pack files (found here in the registry clone).
    await commitChanges(registry, { 'core/hello/NOTES': 'the base of a lone increment\n' })
    expect((await runCommand(['git', '-C', registry, 'gc', '-q'], { home: work })).exitCode).toBe(0)
    expect((await zoi(work, 'sync')).exitCode).toBe(0)
    const { base, inc, made } = await baseThenIncrement('lone', 'the lone increment\n')
    expect(made.exitCode, formatResult(made)).toBe(0)
    const inherited = (JSON.parse(readFileSync(join(inc, 'bundle.json'), 'utf8')).inherited as { path: string }[]).map((f) => f.path)
    expect(inherited.some((p) => /^registry\.git\/objects\/pack\/pack-[0-9a-f]+\.pack$/.test(p))).toBe(true)
    expect(inherited).toContain('archives/hello-1.0.0-linux-amd64.pkg.tar.zst')
    const other = await makeTempDir()
    expect((await zoi(other, 'bundle', 'import', base, '--offline')).exitCode).toBe(0)
    const state = snapshot(join(other, '.zoi'))
    const alone = await zoiIsolated(other, 'bundle', 'verify', inc)
    expect(alone.exitCode, formatResult(alone)).toBe(0)
    expect(alone.stdout).toContain('ok: linux-amd64: the requests install offline from the bundle alone')
    expect(alone.stdout).not.toContain('the plan resolves')
    // Verify changed nothing here: same files, same bytes, same times (cache, db, sources, keys).
    expect(snapshot(join(other, '.zoi'))).toEqual(state)

    const archive = 'archives/hello-1.0.0-linux-amd64.pkg.tar.zst'
    const cached = join(other, '.zoi/cache/archives', archive.slice('archives/'.length))
    expect(existsSync(cached)).toBe(true)
    // Altered bytes in the cache are not the base's file: refused as missing (the bundle is sound).
    const good = readFileSync(cached)
    const bytes = Buffer.from(good)
    bytes[200]! ^= 1
    writeFileSync(cached, bytes)
    const altered = await zoiIsolated(other, 'bundle', 'verify', inc)
    expect(altered.exitCode, formatResult(altered)).toBe(4)
    expect(altered.stdout).toContain(`missing: ${archive}, inherited from the base, differs on this machine from what the base brought`)
    expect(altered.stdout).toContain("hint: give the base before the increment: 'zoi bundle verify <base> <increment>'")
    writeFileSync(cached, good)
    // After the cache is cleared the archive is not here at all.
    expect((await zoi(other, 'cache', 'clear')).exitCode).toBe(0)
    const cleared = await zoiIsolated(other, 'bundle', 'verify', inc)
    expect(cleared.exitCode, formatResult(cleared)).toBe(4)
    expect(cleared.stdout).toContain(`missing: ${archive}, inherited from the base, is not on this machine as the base brought it`)
    expect(cleared.stdout).toContain("hint: give the base before the increment: 'zoi bundle verify <base> <increment>'")
    expect(cleared.stdout).not.toContain('ok: linux-amd64')
    // With the base given before it, the same increment is proven again from the bundles.
    const chain = await zoiIsolated(other, 'bundle', 'verify', base, inc)
    expect(chain.exitCode, formatResult(chain)).toBe(0)
    expect(chain.stdout).toContain('ok: linux-amd64: the requests install offline from the bundle alone')
  })

  test('re-running into the same folder after the registry moved: the manifest hashes what is there now (no stale hash from the last run)', async () => {
    const dir = join(work, 'rerun')
    expect((await create(dir)).exitCode).toBe(0)
    await commitChanges(registry, { 'core/hello/NOTES': 'moved again\n', 'core/libgreet/NOTES': 'and this\n' })
    expect((await zoi(work, 'sync')).exitCode).toBe(0)
    const again = await create(dir)
    expect(again.exitCode, formatResult(again)).toBe(0)
    const v = await zoi(work, 'bundle', 'verify', dir, '--quick')
    expect(v.exitCode, formatResult(v)).toBe(0)
  })

  test('bad input: no -o, an unknown package, a folder that is not a bundle', async () => {
    expect((await zoi(work, 'bundle', 'create', 'hello')).exitCode).toBe(2)
    const unknown = await zoi(work, 'bundle', 'create', 'nosuchpkg', '-o', join(work, 'x'), '--pkg-dir', pkgs)
    expect(unknown.exitCode, formatResult(unknown)).toBe(4)
    expect(unknown.stderr).toContain('nosuchpkg')
    const notBundle = await zoi(work, 'bundle', 'verify', pkgs)
    expect(notBundle.exitCode).toBe(6)
    expect(notBundle.stderr).toContain('bundle.json')
  })
})
