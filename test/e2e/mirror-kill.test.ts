/**
 * `zoi mirror` killed with SIGKILL must not wedge later runs (it used to fail with "ENOENT …
 * .size", exit 1, forever). Slow: several mirror runs, each killed at another moment.
 */
import { afterAll, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { makeGitRepo, makeTempDir, readTree, removeTempDirs, type RepoFiles } from '../support/make-git-repo.ts'
import { formatResult, runZoi, ZOI_BIN } from '../support/run-cli.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const hasGit = Bun.which('git') !== null
afterAll(removeTempDirs)

async function operator(): Promise<{ home: string; built: string }> {
  const home = await makeTempDir()
  const upstream = await makeGitRepo(readTree(EXAMPLES))
  const built = join(home, 'built')
  for (const name of ['hello', 'libgreet', 'base']) {
    const r = await runZoi(['package', 'build', join(EXAMPLES, 'core', name, `${name}.pkg.lua`), '-o', built], { home })
    expect(r.exitCode, formatResult(r)).toBe(0)
  }
  expect((await runZoi(['sync', 'set', upstream], { home })).exitCode).toBe(0)
  return { home, built }
}

/** An operator machine and a mirror it made once: `args` runs the same mirror again. */
async function mirroredOnce(): Promise<{ op: { home: string; built: string }; dir: string; args: string[] }> {
  const op = await operator()
  const dir = join(op.home, 'mirror')
  const args = ['mirror', dir, '--all', '--pkg-dir', op.built]
  const first = await runZoi(args, { home: op.home })
  expect(first.exitCode, formatResult(first)).toBe(0)
  return { op, dir, args }
}

/** Every archive in the mirror has its three sidecars, its .hash matches it, and no temp file is left. */
function expectConsistent(dir: string): void {
  const files = readdirSync(join(dir, 'pkgs'), { recursive: true }).map(String)
  expect(files.filter((f) => f.includes('.tmp-'))).toEqual([])
  const archives = files.filter((f) => f.endsWith('.pkg.tar.zst'))
  expect(archives.length).toBeGreaterThan(0)
  for (const a of archives) {
    const path = join(dir, 'pkgs', a)
    for (const s of ['.hash', '.size', '.files']) expect(existsSync(path + s), a + s).toBe(true)
    const sha = new Bun.CryptoHasher('sha512').update(readFileSync(path)).digest('hex')
    expect(readFileSync(`${path}.hash`, 'utf8').split(' ')[0]).toBe(sha)
  }
}

test.skipIf(!hasGit)('an archive whose .size and .files a killed run never wrote does not wedge the next mirror (ENOENT .size)', async () => {
  const { op, dir, args } = await mirroredOnce()
  const hello = join(dir, 'pkgs/core/linux/amd64/1.0.0/hello-1.0.0-linux-amd64.pkg.tar.zst')
  rmSync(`${hello}.size`)
  rmSync(`${hello}.files`)
  const again = await runZoi(args, { home: op.home })
  expect(again.exitCode, formatResult(again)).toBe(0)
  expectConsistent(dir)
  // Without any local copy either: the mirrored archive is hashed again and its sidecars rewritten.
  rmSync(`${hello}.hash`)
  rmSync(`${hello}.size`)
  const alone = await runZoi(['mirror', dir, '--all'], { home: op.home })
  expect(alone.exitCode, formatResult(alone)).toBe(0)
  expectConsistent(dir)
})

test.skipIf(!hasGit)('a git write a killed run left half done (temp files in registry.git) is swept, never served as a ref', async () => {
  const { op, dir, args } = await mirroredOnce()
  const gitdir = join(dir, 'registry.git')
  const head = readFileSync(join(gitdir, 'refs/heads/main'), 'utf8')
  writeFileSync(join(gitdir, '.HEAD.tmp-4242-ab'), 'ref: refs/he')
  writeFileSync(join(gitdir, 'refs/heads/.main.tmp-4242-cd'), head)
  const again = await runZoi(args, { home: op.home })
  expect(again.exitCode, formatResult(again)).toBe(0)
  expect(readdirSync(gitdir).filter((n) => n.includes('.tmp-'))).toEqual([])
  expect(readdirSync(join(gitdir, 'refs/heads'))).toEqual(['main'])
  expect(readFileSync(join(gitdir, 'info/refs'), 'utf8')).not.toContain('tmp')
  expect(readFileSync(join(gitdir, 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n')
})

test.skipIf(!hasGit)('a damaged object in registry.git (an older zoi killed mid-copy) is exit 6 naming the repository, and its hint repairs it', async () => {
  const { op, dir, args } = await mirroredOnce()
  // A truncated copy of the upstream's HEAD commit, as a copy killed half way used to leave it.
  const upstream = (await runZoi(['sync', 'list', '--json'], { home: op.home })).stdout
  const url: string = JSON.parse(upstream)[0].url
  const head = (await Bun.$`git -C ${url} rev-parse HEAD`.text()).trim()
  const loose = join(dir, 'registry.git/objects', head.slice(0, 2), head.slice(2))
  mkdirSync(dirname(loose), { recursive: true })
  writeFileSync(loose, readFileSync(join(url, '.git/objects', head.slice(0, 2), head.slice(2))).subarray(0, 9))
  const damaged = await runZoi(args, { home: op.home })
  expect(damaged.exitCode, formatResult(damaged)).toBe(6)
  expect(damaged.stderr).toContain(`error: git repository ${join(dir, 'registry.git')} holds a damaged object`)
  expect(damaged.stderr).toContain(`hint: remove ${join(dir, 'registry.git')} and run 'zoi mirror' again`)
  rmSync(join(dir, 'registry.git'), { recursive: true })
  const repaired = await runZoi(args, { home: op.home })
  expect(repaired.exitCode, formatResult(repaired)).toBe(0)
  expectConsistent(dir)
})

test.skipIf(!hasGit)('SIGKILL at any moment of zoi mirror: the next run succeeds and leaves a consistent mirror', async () => {
  const op = await operator()
  const dir = join(op.home, 'mirror')
  const args = ['mirror', dir, '--all', '--pkg-dir', op.built]
  // Kill points spread over a run; whichever step each one lands in, the outcome must be the same.
  for (const delay of [20, 60, 120, 200, 300, 450, 700]) {
    const proc = Bun.spawn([ZOI_BIN, ...args], { cwd: op.home, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: op.home, NO_COLOR: '1' }, stdout: 'ignore', stderr: 'ignore' })
    await Bun.sleep(delay)
    proc.kill('SIGKILL')
    await proc.exited
  }
  const after = await runZoi(args, { home: op.home })
  expect(after.exitCode, formatResult(after)).toBe(0)
  expectConsistent(dir)
  const again = await runZoi([...args, '--json'], { home: op.home })
  expect(again.exitCode, formatResult(again)).toBe(0)
  expect(JSON.parse(again.stdout).archives.copied).toEqual([])
})
