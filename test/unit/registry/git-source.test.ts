import { afterAll, describe, expect, test } from 'bun:test'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { classifySource } from '../../../src/registry/git-source.ts'
import { makeBareClone, makeGitRepo, makeTempDir, removeTempDirs } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

describe('classifySource', () => {
  test('http and https URLs are remote', async () => {
    expect(await classifySource('https://example.com/r.git')).toEqual({ kind: 'http', url: 'https://example.com/r.git' })
    expect((await classifySource('HTTP://example.com/r')).kind).toBe('http')
  })

  test('a working clone, by path and by file:// URL', async () => {
    const repo = await makeGitRepo({ 'repo.yaml': 'name: X\n' })
    const expected = { kind: 'git' as const, path: repo, gitdir: join(repo, '.git') }
    expect(await classifySource(repo)).toEqual(expected)
    expect(await classifySource(pathToFileURL(repo).href)).toEqual(expected)
  })

  test('a bare repository is its own gitdir', async () => {
    const bare = await makeBareClone(await makeGitRepo({ 'repo.yaml': 'name: X\n' }))
    expect(await classifySource(bare)).toEqual({ kind: 'git', path: bare, gitdir: bare })
  })

  test('a `.git` file (submodule) points at the real gitdir', async () => {
    const repo = await makeGitRepo({ 'repo.yaml': 'name: X\n' })
    const sub = join(await makeTempDir(), 'sub')
    await mkdir(sub)
    await writeFile(join(sub, '.git'), `gitdir: ${join(repo, '.git')}\n`)
    expect(await classifySource(sub)).toEqual({ kind: 'git', path: sub, gitdir: join(repo, '.git') })
  })

  test('anything else that is a directory is a plain folder', async () => {
    const dir = await makeTempDir()
    expect(await classifySource(dir)).toEqual({ kind: 'folder', path: dir })
  })

  test.each(['/no/such/dir', 'ssh://host/r.git', 'git@host:r.git', 'ftp://host/r'])('%s is a USAGE error', async (url) => {
    await expect(classifySource(url)).rejects.toMatchObject({ code: 'USAGE' })
  })

  test('a file is not a registry', async () => {
    const dir = await makeTempDir()
    await writeFile(join(dir, 'f'), '')
    await expect(classifySource(join(dir, 'f'))).rejects.toMatchObject({ code: 'USAGE' })
  })
})
