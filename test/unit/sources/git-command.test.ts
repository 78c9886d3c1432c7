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
