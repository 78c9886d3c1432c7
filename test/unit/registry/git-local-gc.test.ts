/**
 * A `git gc` in a local source repository while zoi copies its objects (git starts one by itself
 * after a large commit): loose objects are packed and deleted, or packs replaced, under the copy.
 * The copy must still end with every object. The gc is made to run at the worst moment, after
 * the packs were listed and before the first loose object is copied, by a copyFile that runs it.
 */
import { afterAll, expect, mock, test } from 'bun:test'
import * as fsp from 'node:fs/promises'
import { join } from 'node:path'
import { makeGitRepo, makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const realCopyFile = fsp.copyFile
let beforeFirstLooseCopy: (() => void) | undefined
mock.module('node:fs/promises', () => ({
  ...fsp,
  copyFile: async (...args: Parameters<typeof fsp.copyFile>) => {
    if (beforeFirstLooseCopy && /objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/.test(String(args[0]))) {
      const run = beforeFirstLooseCopy
      beforeFirstLooseCopy = undefined
      run()
    }
    return await realCopyFile(...args)
  },
}))
const { copyObjects } = await import('../../../src/registry/git-local.ts')

function gcNow(repo: string): void {
  const r = Bun.spawnSync(['git', 'gc', '--quiet'], { cwd: repo })
  if (r.exitCode !== 0) throw new Error(`git gc failed: ${r.stderr}`)
}

async function objectsOf(gitdir: string): Promise<string[]> {
  const out = Bun.spawnSync(['git', '--git-dir', gitdir, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname)'])
  return out.stdout.toString().trim().split('\n').sort()
}

test('a git gc packing the loose objects while they are copied: every object is copied', async () => {
  const files: Record<string, string> = { 'repo.yaml': 'name: Local\n' }
  for (let i = 0; i < 40; i++) files[`core/p${i}/p${i}.pkg.lua`] = `metadata({ name = "p${i}" })\n`
  const source = await makeGitRepo(files)
  const dest = join(await makeTempDir(), 'dest.git')
  await runGit(await makeTempDir(), ['init', '-q', '--bare', dest])
  let ran = false
  beforeFirstLooseCopy = () => {
    gcNow(source)
    ran = true
  }
  await copyObjects(join(source, '.git'), dest)
  expect(ran).toBe(true)
  expect(await objectsOf(dest)).toEqual(await objectsOf(join(source, '.git')))
  const fsck = Bun.spawnSync(['git', '--git-dir', dest, 'fsck', '--connectivity-only', (await runGit(source, ['rev-parse', 'HEAD'])).trim()])
  expect(fsck.exitCode).toBe(0)
  // Nothing half-copied is left behind.
  expect((await fsp.readdir(join(dest, 'objects', 'pack'))).filter((n) => n.startsWith('.'))).toEqual([])
})
