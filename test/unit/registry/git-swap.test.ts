import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { createNet } from '../../../src/platform/net.ts'
import { headCommit, syncClone } from '../../../src/registry/git.ts'
import { gitFs, recoverInterruptedSwap, stageGitdir, swapIntoPlace } from '../../../src/registry/git-swap.ts'
import { commitChanges, makeGitRepo, makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const offline = createNet({ offline: true })

async function clonedRegistry() {
  const upstream = await makeGitRepo({ 'repo.yaml': 'name: Swap\n', 'core/a/a.pkg.lua': 'return 1\n' })
  const dir = join(await makeTempDir(), 'db', 'swap')
  const { head } = await syncClone({ url: upstream, dir, net: offline })
  return { upstream, dir, head }
}

describe('crash recovery of a swap', () => {
  test('a crash between the two renames of a new clone restores the old clone', async () => {
    const { upstream, dir, head } = await clonedRegistry()
    await rename(dir, join(dirname(dir), `.${basename(dir)}.zoi-old`)) // as if killed mid-swap
    await recoverInterruptedSwap(dir)
    expect(await headCommit(dir)).toBe(head)
    expect((await syncClone({ url: upstream, dir, net: offline })).changed).toBe(false)
  })

  test('a crash between the two renames of an update restores the old .git', async () => {
    const { dir, head } = await clonedRegistry()
    await rename(join(dir, '.git'), join(dirname(dir), `.${basename(dir)}.zoi-old-git`))
    await recoverInterruptedSwap(dir)
    expect(await headCommit(dir)).toBe(head)
    expect(await readdir(dirname(dir))).toEqual(['swap'])
  })

  test('a leftover old copy next to a complete clone is deleted', async () => {
    const { dir } = await clonedRegistry()
    await mkdir(join(dirname(dir), `.${basename(dir)}.zoi-old`))
    await recoverInterruptedSwap(dir)
    expect(await readdir(dirname(dir))).toEqual(['swap'])
  })

  test('staging folders of dead processes are removed, those of live ones kept', async () => {
    const { dir } = await clonedRegistry()
    const dead = join(dirname(dir), `.${basename(dir)}.zoi-sync-999999999-abcd`)
    const alive = join(dirname(dir), `.${basename(dir)}.zoi-sync-${process.pid}-abcd`)
    await mkdir(dead)
    await mkdir(alive)
    await recoverInterruptedSwap(dir)
    expect(existsSync(dead)).toBe(false)
    expect(existsSync(alive)).toBe(true)
  })

  test('writes through the git fs never reach a hard-linked twin (copy-on-write)', async () => {
    const dir = await makeTempDir()
    await writeFile(join(dir, 'live.pack'), 'old bytes')
    await link(join(dir, 'live.pack'), join(dir, 'staged.pack'))
    await gitFs.promises.writeFile(join(dir, 'staged.pack'), 'new bytes')
    expect(await readFile(join(dir, 'live.pack'), 'utf8')).toBe('old bytes')
    expect(await readFile(join(dir, 'staged.pack'), 'utf8')).toBe('new bytes')
  })

  test('regression: a write that dies half way leaves the old file whole (a killed mirror lost HEAD and was refused forever)', async () => {
    const dir = await makeTempDir()
    await writeFile(join(dir, 'HEAD'), 'ref: refs/heads/main\n')
    // The data source fails after its first chunk, as a SIGKILL between the open and the last write would.
    async function* dying() {
      yield 'ref: refs/he'
      throw new Error('killed')
    }
    await expect(gitFs.promises.writeFile(join(dir, 'HEAD'), dying() as unknown as string)).rejects.toThrow('killed')
    expect(await readFile(join(dir, 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n')
    expect(await readdir(dir)).toEqual(['HEAD'])
  })

  test('a staged copy leaves behind the temp files a killed write left in the live .git', async () => {
    const { dir } = await clonedRegistry()
    await writeFile(join(dir, '.git', '.HEAD.tmp-4242-abc'), 'ref: refs/he')
    await writeFile(join(dir, '.git', 'refs', 'heads', '.main.tmp-4242-k3'), '')
    const staging = await makeTempDir()
    await stageGitdir(dir, staging)
    expect(existsSync(join(staging, '.git', 'HEAD'))).toBe(true)
    expect(existsSync(join(staging, '.git', '.HEAD.tmp-4242-abc'))).toBe(false)
    expect(await readdir(join(staging, '.git', 'refs', 'heads'))).toEqual(['main'])
  })

  test('swapIntoPlace replaces a folder', async () => {
    const parent = await makeTempDir()
    await mkdir(join(parent, 'live'))
    await writeFile(join(parent, 'live', 'v'), '1')
    await mkdir(join(parent, 'next'))
    await writeFile(join(parent, 'next', 'v'), '2')
    await swapIntoPlace(join(parent, 'next'), join(parent, 'live'))
    expect(await readFile(join(parent, 'live', 'v'), 'utf8')).toBe('2')
    expect(await readdir(parent)).toEqual(['live'])
  })

  test('staging links objects but copies refs and the index, so the live clone cannot change', async () => {
    const { dir } = await clonedRegistry()
    const staging = await makeTempDir()
    await stageGitdir(dir, staging)
    const [obj] = (await readdir(join(dir, '.git', 'objects'))).filter((n) => n.length === 2)
    const [file] = await readdir(join(dir, '.git', 'objects', obj!))
    const ino = async (root: string, ...p: string[]) => (await stat(join(root, '.git', ...p))).ino
    expect(await ino(staging, 'objects', obj!, file!)).toBe(await ino(dir, 'objects', obj!, file!))
    expect(await ino(staging, 'index')).not.toBe(await ino(dir, 'index'))
    expect(await ino(staging, 'refs', 'heads', 'main')).not.toBe(await ino(dir, 'refs', 'heads', 'main'))
  })
})

describe('the working tree after an update', () => {
  test('an interrupted checkout (pending marker) is redone in full by the next sync', async () => {
    const { upstream, dir } = await clonedRegistry()
    const next = await commitChanges(upstream, { 'core/b/b.pkg.lua': 'return 2\n' })
    await syncClone({ url: upstream, dir, net: offline })
    // Simulate a crash after the .git swap, before the checkout finished.
    await writeFile(join(dir, '.git', 'ZOI_CHECKOUT_PENDING'), '')
    await rm(join(dir, 'core', 'b'), { recursive: true })
    const again = await syncClone({ url: upstream, dir, net: offline })
    expect(again).toEqual({ head: next, previousHead: next, changed: false })
    expect(await readFile(join(dir, 'core/b/b.pkg.lua'), 'utf8')).toBe('return 2\n')
    expect(existsSync(join(dir, '.git', 'ZOI_CHECKOUT_PENDING'))).toBe(false)
    expect(await runGit(dir, ['status', '--porcelain'])).toBe('')
  })

  test('an update rewrites only the changed files', async () => {
    const { upstream, dir } = await clonedRegistry()
    const untouched = (await stat(join(dir, 'repo.yaml'))).ino
    await commitChanges(upstream, { 'core/a/a.pkg.lua': 'return "changed"\n' })
    await syncClone({ url: upstream, dir, net: offline })
    expect((await stat(join(dir, 'repo.yaml'))).ino).toBe(untouched)
    expect(await readFile(join(dir, 'core/a/a.pkg.lua'), 'utf8')).toBe('return "changed"\n')
    expect(await runGit(dir, ['status', '--porcelain'])).toBe('')
  })
})

describe('zoi checks the files out itself', () => {
  test('removed, renamed and executable files match git (status clean, emptied folders gone)', async () => {
    const { upstream, dir } = await clonedRegistry()
    await commitChanges(upstream, { 'core/b/b.pkg.lua': 'return 2\n', 'core/b/tool.sh': '#!/bin/sh\n', 'extra/x/x.pkg.lua': 'return 3\n' })
    await runGit(upstream, ['update-index', '--chmod=+x', 'core/b/tool.sh'])
    await runGit(upstream, ['commit', '-q', '--no-gpg-sign', '-m', 'exec'])
    await syncClone({ url: upstream, dir, net: offline })
    expect((await stat(join(dir, 'core/b/tool.sh'))).mode & 0o111).not.toBe(0)
    await runGit(upstream, ['mv', 'extra/x', 'core/x'])
    await runGit(upstream, ['rm', '-q', 'core/a/a.pkg.lua'])
    await runGit(upstream, ['commit', '-q', '--no-gpg-sign', '-m', 'move'])
    await syncClone({ url: upstream, dir, net: offline })
    expect(existsSync(join(dir, 'extra'))).toBe(false)
    expect(existsSync(join(dir, 'core/a'))).toBe(false)
    expect(await readFile(join(dir, 'core/x/x.pkg.lua'), 'utf8')).toBe('return 3\n')
    expect(await runGit(dir, ['status', '--porcelain'])).toBe('')
  })
})

/**
 * Commits a tree naming `a` twice — a symlink to `outside`, then a folder holding `a/x.lua` or a
 * file — made by hand (git's own tools refuse to write it) on top of `upstream`'s HEAD.
 */
async function hostileCommit(upstream: string, outside: string, shape: 'folder' | 'file' | 'twice' = 'folder'): Promise<string> {
  const hash = async (args: string[], input: Uint8Array | string) => {
    const proc = Bun.spawn(['git', 'hash-object', '-w', ...args, '--stdin'], { cwd: upstream, stdin: typeof input === 'string' ? new TextEncoder().encode(input) : input, stdout: 'pipe' })
    return (await new Response(proc.stdout).text()).trim()
  }
  const entry = (mode: string, name: string, oid: string) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')])
  const link = await hash([], outside)
  const lua = await hash([], 'return "pwned"\n')
  const inner = await hash(['-t', 'tree', '--literally'], entry('100644', 'x.lua', lua))
  const yaml = await hash([], 'name: Swap\n')
  // 'folder': `a` is also a folder holding x.lua; 'file': `a` is also a file, whose bytes went to the link's target.
  const second = shape === 'folder' ? entry('40000', 'a', inner) : entry('100644', 'a', lua)
  // 'twice': no link, the same file path twice.
  const first = shape === 'twice' ? entry('100644', 'a', yaml) : entry('120000', 'a', link)
  const root = await hash(['-t', 'tree', '--literally'], Buffer.concat([first, second, entry('100644', 'repo.yaml', yaml)]))
  const parent = await runGit(upstream, ['rev-parse', 'HEAD'])
  const commit = await runGit(upstream, ['commit-tree', root, '-p', parent.trim(), '-m', 'hostile'])
  await runGit(upstream, ['update-ref', 'refs/heads/main', commit.trim()])
  return commit.trim()
}

describe('a tree that names a path twice cannot write outside the clone', () => {
  test('a symlink `a` out of the clone and a file `a/x.lua` in one tree: unsafe path, nothing written outside (fresh clone and update)', async () => {
    const outside = await makeTempDir('zoi-outside-')
    const upstream = await makeGitRepo({ 'repo.yaml': 'name: Swap\n', 'core/a/a.pkg.lua': 'return 1\n' })
    const dir = join(await makeTempDir(), 'db', 'swap')
    await syncClone({ url: upstream, dir, net: offline })
    await hostileCommit(upstream, outside)
    const update = await syncClone({ url: upstream, dir, net: offline }).then(() => undefined, (e: unknown) => e)
    expect(existsSync(join(outside, 'x.lua'))).toBe(false)
    const fresh = await syncClone({ url: upstream, dir: join(await makeTempDir(), 'db', 'fresh'), net: offline }).then(() => undefined, (e: unknown) => e)
    expect(existsSync(join(outside, 'x.lua'))).toBe(false)
    for (const e of [update, fresh]) {
      expect((e as { code?: string }).code).toBe('UNSAFE_PATH')
      expect((e as Error).message).toContain('unsafe path')
    }
  })

  test('regression: a symlink `a` to a file outside and a file `a` in one tree no longer overwrites the outside file (fresh clone and update)', async () => {
    const outside = join(await makeTempDir('zoi-outside-'), 'victim.txt')
    await writeFile(outside, 'precious\n')
    const upstream = await makeGitRepo({ 'repo.yaml': 'name: Swap\n', 'core/a/a.pkg.lua': 'return 1\n' })
    const dir = join(await makeTempDir(), 'db', 'swap')
    await syncClone({ url: upstream, dir, net: offline })
    await hostileCommit(upstream, outside, 'file')
    const fresh = await syncClone({ url: upstream, dir: join(await makeTempDir(), 'db', 'fresh'), net: offline }).then(() => undefined, (e: unknown) => e)
    expect(await readFile(outside, 'utf8')).toBe('precious\n')
    const update = await syncClone({ url: upstream, dir, net: offline }).then(() => undefined, (e: unknown) => e)
    expect(await readFile(outside, 'utf8')).toBe('precious\n')
    expect((fresh as { code?: string }).code).toBe('UNSAFE_PATH')
    expect((fresh as Error).message).toContain('unsafe path')
    // An update removes what the old tree had at a path before writing it: the link is replaced, not followed.
    expect(update === undefined || (update as { code?: string }).code === 'UNSAFE_PATH').toBe(true)
  })

  test('the same file path twice in a new clone: unsafe path (the second is never written over the first)', async () => {
    const upstream = await makeGitRepo({ 'repo.yaml': 'name: Swap\n' })
    await hostileCommit(upstream, '/nonexistent', 'twice')
    const e = await syncClone({ url: upstream, dir: join(await makeTempDir(), 'db', 'twice'), net: offline }).then(() => undefined, (x: unknown) => x)
    expect((e as { code?: string }).code).toBe('UNSAFE_PATH')
  })
})
