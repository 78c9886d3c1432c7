/** zoi as the git of builds, called directly: clones from the cache, refuses what it cannot serve. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createNet } from '../../../src/platform/net.ts'
import { readIndex, runGitCommand, SourceCache } from '../../../src/sources/index.ts'
import { zoiFailure } from '../../support/expect-error.ts'
import { startGitServer, type GitServer } from '../../support/git-server.ts'
import { makeGitRepo, makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

const hasGit = Bun.which('git') !== null
let server: GitServer
let url: string
let superUrl: string
let cacheDir: string
let work: string

beforeAll(async () => {
  if (!hasGit) return
  const repo = await makeGitRepo({ 'a.txt': 'one\n' }, 'first')
  await runGit(repo, ['tag', 'v1'])
  writeFileSync(join(repo, 'a.txt'), 'two\n')
  await runGit(repo, ['commit', '-qam', 'second'])
  server = startGitServer(resolve(repo, '..'))
  url = `${server.url}/${repo.split('/').pop()}`
  // A superproject whose submodule (a relative URL) is the repository above, at its first commit.
  const first = await runGit(repo, ['rev-parse', 'v1'])
  const superRepo = await makeGitRepo({ '.gitmodules': `[submodule "vendor/lib"]\n\tpath = vendor/lib\n\turl = ../${repo.split('/').pop()}\n`, 'main.txt': 'super\n' })
  await runGit(superRepo, ['update-index', '--add', '--cacheinfo', `160000,${first},vendor/lib`])
  await runGit(superRepo, ['commit', '-qm', 'add submodule'])
  if (resolve(superRepo, '..') !== resolve(repo, '..')) throw new Error('fixture repositories must share a parent folder')
  superUrl = `${server.url}/${superRepo.split('/').pop()}`
  cacheDir = await makeTempDir()
  work = await makeTempDir()
})
afterAll(async () => {
  await server?.stop()
  await removeTempDirs()
})

const cache = (offline: boolean) => new SourceCache({ dir: cacheDir, net: createNet({ offline, retries: 0 }), mirrors: [], pkg: 'demo' })

describe.skipIf(!hasGit)('git served from the source cache', () => {
  test('clone online stores the ref; the same clone offline needs no network', async () => {
    await runGitCommand(cache(false), ['clone', '--depth', '1', '--branch', 'v1', url, 'a'], work)
    expect(readFileSync(join(work, 'a/a.txt'), 'utf8')).toBe('one\n')
    expect(readIndex(cacheDir).git[url]?.packages).toEqual(['demo'])
    const before = server.requests
    await runGitCommand(cache(true), ['clone', '--branch', 'v1', url, 'b'], work)
    expect(server.requests).toBe(before)
    expect(await runGitCommand(cache(true), ['-C', join(work, 'b'), 'describe', '--tags'], work)).toBe('v1\n')
    expect(await runGitCommand(cache(true), ['log', '-1', '--format=%s'], join(work, 'b'))).toBe('first\n')
    const head = await runGitCommand(cache(true), ['rev-parse', 'HEAD'], join(work, 'b'))
    expect(await runGitCommand(cache(true), ['rev-parse', '--short', 'HEAD'], join(work, 'b'))).toBe(head.slice(0, 7) + '\n')
  })

  test('offline, a ref the cache lacks is exit 5 naming the URL and the ref', async () => {
    const error = await zoiFailure(runGitCommand(cache(true), ['clone', url, 'c'], work))
    expect(error.exitCode).toBe(5)
    expect(error.message).toContain(`git source (ref HEAD) not in the source cache`)
    expect(error.message).toContain(url)
  })

  test('clone --recurse-submodules takes each submodule at its recorded commit; offline again from the cache', async () => {
    await runGitCommand(cache(false), ['clone', '--recurse-submodules', superUrl, 'super'], work)
    expect(readFileSync(join(work, 'super/vendor/lib/a.txt'), 'utf8')).toBe('one\n')
    await runGitCommand(cache(true), ['clone', superUrl, 'super2'], work)
    await runGitCommand(cache(true), ['submodule', 'update', '--init', '--recursive'], join(work, 'super2'))
    expect(readFileSync(join(work, 'super2/vendor/lib/a.txt'), 'utf8')).toBe('one\n')
    expect(await runGitCommand(cache(true), ['describe', '--tags', '--always'], join(work, 'super2/vendor/lib'))).toBe('v1\n')
  })

  test('describe counts the commits since the tag; checkout of a tag and back by commit id', async () => {
    await runGitCommand(cache(false), ['clone', url, 'full'], work)
    const dir = join(work, 'full')
    const head = (await runGitCommand(cache(true), ['rev-parse', 'HEAD'], dir)).trim()
    expect(await runGitCommand(cache(true), ['describe', '--tags'], dir)).toBe(`v1-1-g${head.slice(0, 7)}\n`)
    await runGitCommand(cache(true), ['checkout', 'v1'], dir)
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('one\n')
    await runGitCommand(cache(true), ['checkout', head], dir)
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('two\n')
  })

  test('an unsupported invocation is refused by name (exit 5 offline, 2 online), never approximated', async () => {
    const offline = await zoiFailure(runGitCommand(cache(true), ['push', 'origin', 'main'], work))
    expect(offline.exitCode).toBe(5)
    expect(offline.message).toBe("zoi's git: 'git push origin main' is not supported")
    const online = await zoiFailure(runGitCommand(cache(false), ['clone', '--mirror', url], work))
    expect(online.exitCode).toBe(2)
    expect(online.message).toContain('option --mirror')
    const format = await zoiFailure(runGitCommand(cache(true), ['log', '-1', '--format=%G?'], join(work, 'a')))
    expect(format.message).toContain('placeholder %G')
  })
})
