/**
 * Installs and removals as whole changesets, with the compiled binary: a conflict in the last
 * package leaves the root exactly as it was, removals are resolved together, symlinks cannot
 * carry a write out of the home, and a lost installed db is rebuilt from the store.
 */
import { expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { writeTarZst, type TarSpec } from '../support/make-archive.ts'
import { ZOI_BIN, formatResult, makeTempDir, runCommand, runZoi } from '../support/run-cli.ts'

/** `<name>-1.0.0-linux-amd64.pkg.tar.zst` with a bin of its name, depending on `deps`. */
async function archive(dir: string, name: string, deps: string[] = [], extra: TarSpec[] = [], version = '1.0.0'): Promise<string> {
  const file = join(dir, `${name}-${version}-linux-amd64.pkg.tar.zst`)
  const runtime = deps.length ? `dependencies({ runtime = { ${deps.map((d) => `"zoi:${d}"`).join(', ')} } })\n` : ''
  await writeTarZst(file, [
    { name: `${name}.pkg.lua`, content: `metadata({ name = "${name}", version = "${version}", bins = { "${name}" } })\n${runtime}` },
    { name: `data/pkgstore/bin/${name}`, content: '#!/bin/sh\n', mode: 0o755 },
    ...extra,
  ])
  return file
}

/** Every path under dir (files, links, folders), for before/after comparisons. */
function tree(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : []
}

const names = async (home: string) => JSON.parse((await runZoi(['list', '--json'], { home })).stdout).map((p: { name: string }) => p.name)

async function threeArchives(home: string): Promise<string[]> {
  const out = join(home, 'out')
  mkdirSync(out)
  return [await archive(out, 'libfoo'), await archive(out, 'hello', ['libfoo']), await archive(out, 'vim', ['hello'])]
}

test('install a b c with an unowned file at bin/vim: exit 4, hello and libfoo are not left behind', async () => {
  const home = makeTempDir()
  const files = await threeArchives(home)
  const bin = join(home, '.zoi/pkgs/bin')
  mkdirSync(bin, { recursive: true })
  writeFileSync(join(bin, 'vim'), 'mine')
  const before = tree(join(home, '.zoi/pkgs')).filter((p) => !p.startsWith('db') && !p.startsWith('tmp'))
  const r = await runZoi(['install', ...files, '-y'], { home })
  expect(r.exitCode, formatResult(r)).toBe(4)
  expect(r.stderr).toContain(`${join(bin, 'vim')}' exists on the filesystem`)
  expect(await names(home)).toEqual([])
  expect(tree(join(home, '.zoi/pkgs')).filter((p) => !p.startsWith('db') && !p.startsWith('tmp'))).toEqual(before)
  expect(tree(join(home, '.zoi/pkgs/tmp'))).toEqual([])
})

test('uninstall: names resolved together in any order; an unknown name is exit 3 before anything goes; --dry-run shows the plan', async () => {
  const home = makeTempDir()
  const files = await threeArchives(home)
  expect((await runZoi(['install', ...files, '-y'], { home })).exitCode).toBe(0)

  const unknown = await runZoi(['uninstall', 'vim', 'nosuch', '-y'], { home })
  expect(unknown.exitCode, formatResult(unknown)).toBe(3)
  expect(await names(home)).toEqual(['hello', 'libfoo', 'vim'])

  const dry = await runZoi(['uninstall', '--dry-run', 'libfoo', 'hello', 'vim'], { home })
  expect(dry.exitCode, formatResult(dry)).toBe(0)
  expect(dry.stdout).toBe('Plan (dry run, nothing changed):\n  remove    local/libfoo 1.0.0\n  remove    local/hello 1.0.0\n  remove    local/vim 1.0.0\n')
  expect(await names(home)).toEqual(['hello', 'libfoo', 'vim'])

  const alone = await runZoi(['uninstall', 'libfoo', '-y'], { home })
  expect(alone.exitCode, formatResult(alone)).toBe(4)

  const all = await runZoi(['uninstall', 'libfoo', 'hello', 'vim', '-y'], { home })
  expect(all.exitCode, formatResult(all)).toBe(0)
  expect(await names(home)).toEqual([])
  expect(tree(join(home, '.zoi/pkgs/store'))).toEqual([])
  expect(tree(join(home, '.zoi/pkgs/bin'))).toEqual([])
})

test('a symlink under usrhome leading out of the home: refused at install (exit 6), and never written through', async () => {
  const top = makeTempDir()
  const home = join(top, 'home')
  mkdirSync(home)
  const out = join(top, 'out')
  mkdirSync(out)
  const evil = await archive(out, 'evil', [], [{ name: 'data/usrhome/esc', type: 'symlink', linkname: '../..' }])
  const r1 = await runZoi(['install', evil, '-y'], { home })
  expect(r1.exitCode, formatResult(r1)).toBe(6)
  expect(existsSync(join(home, 'esc'))).toBe(false)
  expect(await names(home)).toEqual([])

  // A link left by an earlier version (or made some other way) is not written through either.
  symlinkSync('..', join(home, 'esc'))
  const next = await archive(out, 'next', [], [{ name: 'data/usrhome/esc/pwned', content: 'x' }])
  const r2 = await runZoi(['install', next, '-y'], { home })
  expect(r2.exitCode, formatResult(r2)).toBe(6)
  expect(r2.stderr).toContain('outside')
  expect(existsSync(join(dirname(home), 'pwned'))).toBe(false)
  expect(await names(home)).toEqual([])
})

test('a 0-byte local.db: list rebuilds the record from the store manifests instead of "No packages installed"', async () => {
  const home = makeTempDir()
  const files = await threeArchives(home)
  expect((await runZoi(['install', ...files, '-y'], { home })).exitCode).toBe(0)
  const db = join(home, '.zoi/pkgs/db/local.db')
  for (const name of readdirSync(dirname(db))) if (name.startsWith('local.db-')) rmSync(join(dirname(db), name))
  truncateSync(db, 0)
  const list = await runZoi(['list'], { home })
  expect(list.exitCode, formatResult(list)).toBe(0)
  expect(list.stdout).not.toContain('No packages installed')
  expect(list.stderr).toContain('rebuilt them from the store manifests')
  expect(await names(home)).toEqual(['hello', 'libfoo', 'vim'])
  const files2 = await runZoi(['files', 'vim'], { home })
  expect(files2.stdout).toContain(join(home, '.zoi/pkgs/bin/vim'))
  expect((await runZoi(['uninstall', 'vim', 'hello', 'libfoo', '-y'], { home })).exitCode).toBe(0)
  expect(tree(join(home, '.zoi/pkgs/bin'))).toEqual([])
})

test('uninstall of a package of 4,500 files: the binary deletes them on several threads, and every file and folder of it goes', async () => {
  const home = makeTempDir()
  const out = join(home, 'out')
  mkdirSync(out)
  const files: TarSpec[] = Array.from({ length: 4500 }, (_, i) => ({ name: `data/pkgstore/share/d${i % 30}/f${i}`, content: `${i}\n` }))
  const file = await archive(out, 'many', [], files)
  expect((await runZoi(['install', file, '-y'], { home })).exitCode).toBe(0)
  const store = join(home, '.zoi/pkgs/store')
  expect(tree(store).length).toBeGreaterThan(4500)
  const strace = Bun.which('strace')
  const log = join(home, 'strace.log')
  const traced = strace ? [strace, '-f', '-qq', '-e', 'trace=unlink,unlinkat', '-o', log] : []
  const r = await runCommand([...traced, ZOI_BIN, 'uninstall', 'many', '-y'], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(tree(store)).toEqual([])
  expect(await names(home)).toEqual([])
  if (!strace) return console.log('SKIP thread count: strace is not installed')
  // `strace -f` starts each line with the thread id: the files' unlinks came from more than one.
  const threads = new Set((await Bun.file(log).text()).split('\n').filter((l) => /unlink(at)?\(.*\/f\d+"/.test(l)).map((l) => l.split(' ')[0]))
  expect(threads.size).toBeGreaterThan(1)
})
