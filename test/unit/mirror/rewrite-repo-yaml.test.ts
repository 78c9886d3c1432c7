/** The base-url commit: what repo.yaml becomes, and that the commit is one deterministic step on top. */
import { afterAll, describe, expect, test } from 'bun:test'
import { parse } from 'yaml'
import { commitBaseUrl, rewriteRepoYaml } from '../../../src/mirror/index.ts'
import { parseRepoYaml } from '../../../src/registry/index.ts'
import { makeBareClone, makeGitRepo, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const UPSTREAM = `# the corp registry
version: "2"
name: Corp  # the handle
pkg:
  - type: main
    url: https://bin.upstream.example/pkgs/{repo}/{os}/{arch}/{version}
    hash: https://bin.upstream.example/{name}.hash
git:
  - type: main
    url: https://git.upstream.example/corp.git
repos:
  - name: core
    active: true
`

describe('rewriteRepoYaml', () => {
  test("points pkg: and git: main at the mirror, keeps upstream's links as mirrors, keeps the rest", () => {
    const text = rewriteRepoYaml(UPSTREAM, 'http://mirror.lan:8080/')
    expect(text).toContain('# the corp registry')
    expect(text).toContain('# the handle')
    const repo = parseRepoYaml(text)
    expect(repo.handle).toBe('corp')
    expect(repo.repos).toEqual([{ name: 'core', type: '', active: true }])
    expect(repo.pkg).toEqual([
      {
        type: 'main',
        url: 'http://mirror.lan:8080/pkgs/{repo}/{os}/{arch}/{version}',
        hash: 'http://mirror.lan:8080/pkgs/{repo}/{os}/{arch}/{version}/{name}-{version}-{platform}.pkg.tar.zst.hash',
        size: 'http://mirror.lan:8080/pkgs/{repo}/{os}/{arch}/{version}/{name}-{version}-{platform}.pkg.tar.zst.size',
        files: 'http://mirror.lan:8080/pkgs/{repo}/{os}/{arch}/{version}/{name}-{version}-{platform}.pkg.tar.zst.files',
      },
      { type: 'mirror', url: 'https://bin.upstream.example/pkgs/{repo}/{os}/{arch}/{version}', hash: 'https://bin.upstream.example/{name}.hash' },
    ])
    expect(repo.git).toEqual([
      { type: 'main', url: 'http://mirror.lan:8080/registry.git' },
      { type: 'mirror', url: 'https://git.upstream.example/corp.git' },
    ])
  })

  test('a registry without links gets just the mirror; rewriting twice changes nothing more', () => {
    const once = rewriteRepoYaml('name: Tiny\n', 'http://m')
    expect(parse(once).pkg).toHaveLength(1)
    expect(rewriteRepoYaml(once, 'http://m')).toBe(once)
  })

  test('invalid YAML is a BAD_DEFINITION error', () => {
    expect(() => rewriteRepoYaml('name: [unclosed\n', 'http://m')).toThrow(/repo.yaml: invalid YAML/)
  })
})

describe('commitBaseUrl', () => {
  test('one commit on top of upstream, only repo.yaml changed, same id when repeated', async () => {
    const work = await makeGitRepo({ 'repo.yaml': UPSTREAM, 'core/a/a.pkg.lua': 'metadata({name="a"})\n' })
    const bare = await makeBareClone(work)
    const upstream = await runGit(bare, ['rev-parse', 'HEAD'])
    const first = await commitBaseUrl(bare, upstream, 'http://mirror.lan')
    expect(await commitBaseUrl(bare, upstream, 'http://mirror.lan')).toBe(first)
    expect(await commitBaseUrl(bare, upstream, 'http://other.lan')).not.toBe(first)
    expect(await runGit(bare, ['rev-parse', `${first}^`])).toBe(upstream)
    expect(await runGit(bare, ['diff', '--name-only', upstream, first])).toBe('repo.yaml')
    expect(await runGit(bare, ['show', `${first}:repo.yaml`])).toContain('url: http://mirror.lan/registry.git')
    expect(await runGit(bare, ['log', '-1', '--format=%an <%ae>', first])).toBe('zoi mirror <zoi@localhost>')
    await runGit(bare, ['update-ref', 'refs/heads/check', first])
    await runGit(bare, ['fsck', '--strict'])
  })
})

test('a registry whose links name .zpa: the mirror link names .zpa too; source links stay source links', () => {
  const zoidberg = 'name: Zoidberg\npkg:\n  - type: main\n    url: https://gl/{id}/{version}/{name}-{version}-{platform}.zpa\n  - type: source-main\n    url: https://gl/{id}/{version}/{name}-{version}.zsa\n'
  const repo = parseRepoYaml(rewriteRepoYaml(zoidberg, 'http://m'))
  expect(repo.pkg.map((l) => [l.type, l.url])).toEqual([
    ['main', 'http://m/pkgs/{repo}/{os}/{arch}/{version}/{name}-{version}-{platform}.zpa'],
    ['mirror', 'https://gl/{id}/{version}/{name}-{version}-{platform}.zpa'],
    ['source-mirror', 'https://gl/{id}/{version}/{name}-{version}.zsa'],
  ])
})
