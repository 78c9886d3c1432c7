/**
 * Installing end to end with the compiled binary: from a registry served over git smart-HTTP
 * with archives on a static server, and the seed document's offline walk (sync → cache add →
 * install --offline → install --pkg-dir --offline → cache ls → cache clear → --root bootstrap),
 * with networking disabled after the sync where the machine allows it.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startGitServer, type GitServer } from '../support/git-server.ts'
import { makeGitRepo } from '../support/make-git-repo.ts'
import { chrootUnavailable, installZoiInto, runInChroot } from '../support/chroot.ts'
import { formatResult, makeTempDir, runCommand, runZoi, ZOI_BIN } from '../support/run-cli.ts'
import { startStaticServer, type StaticServer } from '../support/static-server.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const servers: (GitServer | StaticServer)[] = []
afterAll(async () => {
  for (const s of servers) await s.stop()
})

function copyTree(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name)
    const dst = join(to, entry.name)
    if (entry.isDirectory()) {
      mkdirSync(dst, { recursive: true })
      copyTree(src, dst)
    } else copyFileSync(src, dst)
  }
}

function readTree(dir: string, base = dir): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) Object.assign(out, readTree(p, base))
    else out[p.slice(base.length + 1)] = readFileSync(p, 'utf8')
  }
  return out
}

/** Every path under dir (files, links, folders), for before/after comparisons. */
function snapshot(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true }).map(String).sort()
}

const zoi = (home: string, ...args: string[]) => runZoi(args, { home })

async function buildExamples(home: string, out: string): Promise<void> {
  for (const name of ['hello', 'libgreet', 'base']) {
    const r = await zoi(home, 'package', 'build', join(EXAMPLES, 'core', name, `${name}.pkg.lua`), '-o', out)
    expect(r.exitCode, formatResult(r)).toBe(0)
  }
}

/** The example registry served over git HTTP, with pkg: links to a static archive server. */
async function onlineRegistry(): Promise<{ gitUrl: string; archives: string; files: StaticServer }> {
  const archives = makeTempDir('zoi-archives-')
  const files = await startStaticServer(archives)
  servers.push(files)
  const registry = readTree(EXAMPLES)
  registry['repo.yaml'] = `${registry['repo.yaml']}pkg:\n  - type: main\n    url: ${files.url}/pkgs/{repo}/{os}/{arch}/{version}\n    hash: ${files.url}/pkgs/{repo}/{os}/{arch}/{version}/{name}-{version}-{platform}.pkg.tar.zst.hash\n`
  const repo = await makeGitRepo(registry)
  const git = startGitServer(join(repo, '..'))
  servers.push(git)
  const built = makeTempDir('zoi-built-')
  await buildExamples(makeTempDir(), built)
  for (const [name, version] of [['hello', '1.0.0'], ['libgreet', '1.2.0']]) {
    const dir = join(archives, 'pkgs', 'core', 'linux', 'amd64', version!)
    mkdirSync(dir, { recursive: true })
    for (const suffix of ['', '.hash', '.size', '.files']) copyFileSync(join(built, `${name}-${version}-linux-amd64.pkg.tar.zst${suffix}`), join(dir, `${name}-${version}-linux-amd64.pkg.tar.zst${suffix}`))
  }
  return { gitUrl: `${git.url}/${repo.split('/').pop()}`, archives, files }
}

describe('online install from a registry served on 127.0.0.1', () => {
  test('install hello: dependency first, the bin runs; uninstall leaves nothing behind', async () => {
    const { gitUrl } = await onlineRegistry()
    const home = makeTempDir()
    await zoi(home, 'sync', 'set', gitUrl)
    const sync = await zoi(home, 'sync')
    expect(sync.exitCode, formatResult(sync)).toBe(0)
    const storeBefore = snapshot(join(home, '.zoi/pkgs/store'))

    const dry = await zoi(home, 'install', 'hello', '--dry-run')
    expect(dry.exitCode, formatResult(dry)).toBe(0)
    expect(dry.stdout).toMatch(/install\s+example\/core\/libgreet\s+1\.2\.0\s+582 B\s+\d+ B\s+\[dependency\]/)
    expect(dry.stdout).toMatch(/Total Download Size: +\d/)
    expect(snapshot(join(home, '.zoi/pkgs/store'))).toEqual(storeBefore)

    const r = await zoi(home, 'install', 'hello')
    expect(r.exitCode, formatResult(r)).toBe(0)
    expect(r.stdout).toBe('installed libgreet 1.2.0\ninstalled hello 1.0.0\n')
    const run = await runCommand([join(home, '.zoi/pkgs/bin/hello')], { home })
    expect(run.stdout).toBe('Hello from zoi! (installed offline)\n')
    expect((await zoi(home, 'why', 'libgreet')).stdout).toContain('required by: hello')
    expect((await zoi(home, 'show', 'hello')).stdout).toContain('Installed    : 1.0.0')
    expect((await zoi(home, 'show', 'hello')).stdout).toMatch(/Archive      : 1\.0\.0 linux-amd64 \(688 bytes, \d+ installed\)/)
    const files = await zoi(home, 'search', '--files', 'bin/hello')
    expect(files.stdout).toBe('example/hello 1.0.0 (linux-amd64): data/pkgstore/bin/hello\n')
    const owner = await zoi(home, 'owner', join(home, '.zoi/pkgs/bin/hello'))
    expect(owner.stdout).toContain('owned by hello 1.0.0')

    const refused = await zoi(home, 'uninstall', 'libgreet')
    expect(refused.exitCode).toBe(4)
    expect(refused.stderr).toContain('hello depends on it')
    expect((await zoi(home, 'uninstall', 'hello', 'libgreet')).exitCode).toBe(0)
    expect((await zoi(home, 'show', 'hello')).stdout).toContain('Installed    : no')
    expect(snapshot(join(home, '.zoi/pkgs/store'))).toEqual(storeBefore)
    expect(snapshot(join(home, '.zoi/pkgs/bin'))).toEqual([])
    expect((await zoi(home, 'list', '--json')).stdout.trim()).toBe('[]')
  })

  test('a corrupt archive installs nothing (exit 6) and is removed from the cache', async () => {
    const { gitUrl, archives } = await onlineRegistry()
    const file = join(archives, 'pkgs/core/linux/amd64/1.0.0/hello-1.0.0-linux-amd64.pkg.tar.zst')
    const bytes = readFileSync(file)
    const middle = bytes.length >> 1
    bytes[middle] = bytes[middle]! ^ 0xff
    writeFileSync(file, bytes)
    const home = makeTempDir()
    await zoi(home, 'sync', 'set', gitUrl)
    await zoi(home, 'sync')
    const r = await zoi(home, 'install', 'hello')
    expect(r.exitCode, formatResult(r)).toBe(6)
    expect(r.stderr).toContain('hello-1.0.0-linux-amd64.pkg.tar.zst')
    expect((await zoi(home, 'list', '--json')).stdout.trim()).toBe('[]')
    expect(existsSync(join(home, '.zoi/pkgs/bin/hello'))).toBe(false)
    expect(existsSync(join(home, '.zoi/cache/archives/hello-1.0.0-linux-amd64.pkg.tar.zst'))).toBe(false)
  })
})

test('the seed document, top to bottom, with the network gone after the sync', async () => {
  const { gitUrl, files } = await onlineRegistry()
  const home = makeTempDir()
  // Online side: sync the metadata, build the archives into ./my-downloads.
  await zoi(home, 'sync', 'set', gitUrl)
  expect((await zoi(home, 'sync')).exitCode).toBe(0)
  const downloads = join(home, 'my-downloads')
  await buildExamples(home, downloads)
  await files.stop()

  // From here on nothing may use the network: inside `unshare -n` where permitted.
  const unshare = Bun.which('unshare', { PATH: `${process.env.PATH}:/usr/bin:/usr/sbin` })
  const isolated = unshare !== null && process.getuid?.() === 0 && (await runCommand([unshare, '-n', 'true'], { home })).exitCode === 0
  if (!isolated) console.log('SKIP network namespace: unshare -n is not permitted here; running the offline steps without it')
  // Every offline step also runs under strace: no AF_INET/AF_INET6 socket may be created.
  const strace = Bun.which('strace')
  if (!strace) console.log('SKIP strace: strace is not installed; the offline steps run without it')
  const traces: string[] = []
  const offline = (cmd: string) => {
    const log = join(home, `strace-${traces.length}.log`)
    if (strace) traces.push(log)
    const traced = strace ? [strace, '-f', '-o', log, '-e', 'trace=socket,connect'] : []
    return runCommand([...(isolated ? [unshare!, '-n'] : []), ...traced, 'sh', '-c', cmd], { home, env: { ZOI: ZOI_BIN } })
  }

  const none = await offline('"$ZOI" cache add ./not-there/*.pkg.tar.zst')
  expect(none.exitCode).toBe(2)
  expect(none.stderr).toContain("error: no files match './not-there/*.pkg.tar.zst'")
  const add = await offline('"$ZOI" cache add ./my-downloads/*.pkg.tar.zst')
  expect(add.exitCode, formatResult(add)).toBe(0)
  expect(add.stdout).toBe('Added base-2026.11-linux-amd64.pkg.tar.zst\nAdded hello-1.0.0-linux-amd64.pkg.tar.zst\nAdded libgreet-1.2.0-linux-amd64.pkg.tar.zst\n')

  const inst = await offline('"$ZOI" install hello --offline && ~/.zoi/pkgs/bin/hello')
  expect(inst.exitCode, formatResult(inst)).toBe(0)
  expect(inst.stdout).toContain('Hello from zoi!')
  expect((await offline('"$ZOI" uninstall hello libgreet --offline')).exitCode).toBe(0)

  expect((await offline('"$ZOI" cache ls')).stdout).toMatch(/hello\s+1\.0\.0\s+linux-amd64[\s\S]*Total: 3 archive/)
  // base puts files in the root filesystem: refused in user scope, nothing written.
  const userBase = await offline('"$ZOI" install base --offline')
  expect(userBase.exitCode, formatResult(userBase)).toBe(4)
  expect(userBase.stderr).toContain('--root')
  expect((await offline('"$ZOI" cache clear')).exitCode).toBe(0)
  expect((await offline('"$ZOI" cache ls')).stdout).toBe('The archive cache is empty.\n')

  // With the cache empty, an offline install says exactly what is missing.
  const miss = await offline('"$ZOI" install hello --offline')
  expect(miss.exitCode).toBe(5)
  expect(miss.stderr).toContain('Missing: ')
  expect(miss.stderr).toContain('hello-1.0.0-linux-amd64.pkg.tar.zst')

  const fromDir = await offline('"$ZOI" install hello --pkg-dir ./my-downloads --offline && ~/.zoi/pkgs/bin/hello')
  expect(fromDir.exitCode, formatResult(fromDir)).toBe(0)
  expect(fromDir.stdout).toContain('Hello from zoi!')

  // Sysroot bootstrap into an empty directory.
  const disk = join(home, 'new-disk')
  mkdirSync(disk)
  const boot = await offline(`"$ZOI" install base hello --root ${disk} --pkg-dir ./my-downloads --offline`)
  expect(boot.exitCode, formatResult(boot)).toBe(0)
  expect(readFileSync(join(disk, 'etc/os-release'), 'utf8')).toContain('ID=zoi-example')
  expect((await offline(`${disk}/usr/local/bin/hello`)).stdout).toContain('Hello from zoi!')
  const list = await offline(`"$ZOI" --root ${disk} list`)
  expect(list.stdout).toBe('base 2026.11\nhello 1.0.0\nlibgreet 1.2.0 [dependency]\n')
  expect(existsSync(join(disk, 'var/lib/zoi/pkgs/db/example.db'))).toBe(true)
  expect(existsSync(join(disk, 'etc/zoi/config.yaml'))).toBe(true)
  for (const log of traces) {
    const calls = readFileSync(log, 'utf8')
    expect(calls, log).not.toMatch(/AF_INET6?/)
    expect(calls, log).toContain('+++ exited with') // strace really traced the run
  }
  if (strace) expect(traces.length).toBeGreaterThan(8)

  bootstrapped = disk
})

/** Why no chroot can be made here, or undefined; the root the seed test bootstrapped. */
const chrootReason = await chrootUnavailable()
let bootstrapped: string | undefined

test.skipIf(Boolean(chrootReason))(`the bootstrapped root manages itself from inside a chroot, with no network${chrootReason ? ` (skipped: ${chrootReason})` : ''}`, async () => {
  const disk = bootstrapped
  if (disk === undefined) throw new Error('the seed test above did not bootstrap a root')
  await installZoiInto(disk)
  const inside = await runInChroot(disk, '/zoi list --offline', { network: false })
  expect(inside.stdout, formatResult(inside)).toBe('base 2026.11\nhello 1.0.0\nlibgreet 1.2.0 [dependency]\n')
  const search = await runInChroot(disk, '/zoi search greet --offline', { network: false })
  expect(search.stdout, formatResult(search)).toContain('example/core/hello')
  const rm = await runInChroot(disk, '/zoi uninstall hello --offline', { network: false })
  expect(rm.exitCode, formatResult(rm)).toBe(0)
  expect(existsSync(join(disk, 'usr/local/bin/hello'))).toBe(false)
  expect((await runInChroot(disk, '/zoi list --offline')).stdout).toBe('base 2026.11\nlibgreet 1.2.0 [dependency]\n')
})
