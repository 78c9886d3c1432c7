/**
 * `.git/index` of a registry clone after an update: patched in place when only existing
 * entries changed, rewritten otherwise; either way the same index a full rewrite gives, and
 * `git status` stays clean.
 */
import { afterAll, expect, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openGitIndex, writeGitIndex, type IndexEntry } from '../../../src/registry/git-index-file.ts'
import { makeGitRepo, makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const FILES = { 'repo.yaml': 'name: T\n', 'core/a/a.pkg.lua': 'a1\n', 'core/b/b.pkg.lua': 'b1\n', 'core/é/é.pkg.lua': 'e1\n' }

/** path → entry, as git itself reads the index of `repo` (`git ls-files --stage`). */
async function gitIndex(repo: string): Promise<Map<string, IndexEntry>> {
  const out = new Map<string, IndexEntry>()
  for (const line of (await runGit(repo, ['-c', 'core.quotePath=false', 'ls-files', '--stage'])).split('\n').filter(Boolean)) {
    const [meta, path] = line.split('\t') as [string, string]
    const [mode, oid] = meta.split(' ') as [string, string]
    out.set(path, { oid, mode })
  }
  return out
}

/** A repository whose index zoi wrote (no stat data, no extensions), as a fresh clone has. */
async function zoiIndexedRepo(): Promise<{ repo: string; gitdir: string; entries: Map<string, IndexEntry> }> {
  const repo = await makeGitRepo(FILES)
  const gitdir = join(repo, '.git')
  const entries = await gitIndex(repo)
  writeGitIndex(gitdir, entries)
  return { repo, gitdir, entries }
}

/** Writes `content` to `path` in the work tree and returns the entry git would give it. */
async function edit(repo: string, path: string, content: string): Promise<{ path: string } & IndexEntry> {
  writeFileSync(join(repo, path), content)
  return { path, oid: (await runGit(repo, ['hash-object', '-w', path])).trim(), mode: '100644' }
}

test('changed definitions only: the entries are patched in place, byte for byte what a full rewrite gives, and it describes the work tree', async () => {
  const { repo, gitdir, entries } = await zoiIndexedRepo()
  const changed = [await edit(repo, 'core/a/a.pkg.lua', 'a2\n'), await edit(repo, 'core/é/é.pkg.lua', 'e2\n')]
  openGitIndex(gitdir)!.apply(changed, [])
  const patched = readFileSync(join(gitdir, 'index'))
  for (const f of changed) entries.set(f.path, { oid: f.oid, mode: f.mode })
  writeGitIndex(gitdir, entries)
  expect(patched.equals(readFileSync(join(gitdir, 'index')))).toBe(true)
  // The index describes the work tree; against HEAD it differs in exactly the changed files.
  expect(await runGit(repo, ['diff', '--name-only'])).toBe('')
  expect(await runGit(repo, ['-c', 'core.quotePath=false', 'diff', '--cached', '--name-only'])).toBe('core/a/a.pkg.lua\ncore/é/é.pkg.lua')
})

test('entries that did not change keep the stat data git recorded for them (patched, not rewritten)', async () => {
  const { repo, gitdir } = await zoiIndexedRepo()
  await runGit(repo, ['update-index', '--refresh']) // git fills in stat data, adds no extension
  const statOf = (path: string) => {
    const buf = readFileSync(join(gitdir, 'index'))
    const at = buf.indexOf(Buffer.from(`${path}\0`)) - 62
    return buf.subarray(at, at + 24).toString('hex')
  }
  const before = statOf('core/b/b.pkg.lua')
  expect(before).not.toBe('0'.repeat(48))
  openGitIndex(gitdir)!.apply([await edit(repo, 'core/a/a.pkg.lua', 'a2\n')], [])
  expect(statOf('core/b/b.pkg.lua')).toBe(before)
  expect(statOf('core/a/a.pkg.lua')).toBe('0'.repeat(48))
  expect(await runGit(repo, ['diff', '--name-only'])).toBe('')
})

test('an index git wrote (stat data, a cached-tree extension) is rewritten, not patched: git reads it and it describes the work tree', async () => {
  const repo = await makeGitRepo(FILES)
  const gitdir = join(repo, '.git')
  await runGit(repo, ['write-tree']) // records the TREE extension
  expect(readFileSync(join(gitdir, 'index')).includes(Buffer.from('TREE'))).toBe(true)
  const changed = await edit(repo, 'core/b/b.pkg.lua', 'b2\n')
  openGitIndex(gitdir)!.apply([changed], [])
  expect(readFileSync(join(gitdir, 'index')).includes(Buffer.from('TREE'))).toBe(false)
  expect((await gitIndex(repo)).get('core/b/b.pkg.lua')).toEqual({ oid: changed.oid, mode: '100644' })
  expect(await runGit(repo, ['diff', '--name-only'])).toBe('')
  expect(await runGit(repo, ['diff', '--cached', '--name-only'])).toBe('core/b/b.pkg.lua')
})

test('an added or a removed path rewrites the index with it', async () => {
  const { repo, gitdir } = await zoiIndexedRepo()
  await runGit(repo, ['rm', '-q', '--cached', 'core/b/b.pkg.lua'])
  writeGitIndex(gitdir, await gitIndex(repo)) // back to zoi's form, without b
  const added = await edit(repo, 'core/b/b.pkg.lua', 'b1\n')
  openGitIndex(gitdir)!.apply([added], [])
  expect([...(await gitIndex(repo)).keys()]).toEqual(['core/a/a.pkg.lua', 'core/b/b.pkg.lua', 'core/é/é.pkg.lua', 'repo.yaml'])
  openGitIndex(gitdir)!.apply([], ['core/a/a.pkg.lua'])
  expect([...(await gitIndex(repo)).keys()]).toEqual(['core/b/b.pkg.lua', 'core/é/é.pkg.lua', 'repo.yaml'])
  await runGit(repo, ['fsck', '--no-progress'])
})

test('no index, or one of another version: none to update (the caller checks out everything)', async () => {
  const dir = await makeTempDir()
  expect(openGitIndex(dir)).toBeUndefined()
  writeFileSync(join(dir, 'index'), Buffer.concat([Buffer.from('DIRC'), Buffer.from([0, 0, 0, 3, 0, 0, 0, 0]), Buffer.alloc(20)]))
  expect(openGitIndex(dir)).toBeUndefined()
})
