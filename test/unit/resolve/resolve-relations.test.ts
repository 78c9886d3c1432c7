// Resolver tables, apk test/solver style: provides, conflicts, pins, installed packages, force,
// sub-packages, external managers and cycles.
import { describe, expect, test } from 'bun:test'
import { held, pkg, run, type ResolverCase } from './resolve-fixtures.ts'

const PROVIDES: ResolverCase[] = [
  {
    name: 'a virtual name is served by the first provider',
    catalog: [pkg('app 1', { deps: ['zoi:editor'] }), pkg('vim 9', { provides: ['editor'] }), pkg('nano 7', { provides: ['editor'] })],
    request: ['app'],
    expect: ['install nano 7', 'install app 1'],
  },
  {
    name: 'an installed provider is preferred',
    catalog: [pkg('app 1', { deps: ['zoi:editor'] }), pkg('vim 9', { provides: ['editor'] }), pkg('nano 7', { provides: ['editor'] })],
    installed: [held('vim 9', { provides: ['editor'] })],
    request: ['app'],
    expect: ['install app 1'],
  },
  {
    name: 'a real package beats a provider',
    catalog: [pkg('app 1', { deps: ['zoi:editor'] }), pkg('editor 1'), pkg('vim 9', { provides: ['editor'] })],
    request: ['app'],
    expect: ['install editor 1', 'install app 1'],
  },
  {
    name: 'a versioned virtual requirement needs a versioned provide',
    catalog: [pkg('app 1', { deps: ['zoi:libfoo>=2'] }), pkg('old 1', { provides: ['libfoo=1.5'] }), pkg('new 1', { provides: ['libfoo=2.1'] })],
    request: ['app'],
    expect: ['install new 1', 'install app 1'],
  },
]

const CONFLICTS: ResolverCase[] = [
  {
    name: 'conflict with an installed package',
    catalog: [pkg('bar 2.0', { conflicts: ['baz'] })],
    installed: [held('baz 1.0')],
    request: ['bar'],
    expect: ['error: bar 2.0 conflicts with installed baz 1.0'],
  },
  {
    name: 'an installed package can declare the conflict too',
    catalog: [pkg('bar 2.0')],
    installed: [held('baz 1.0', { conflicts: ['bar<3'] })],
    request: ['bar'],
    expect: ['error: bar 2.0 conflicts with installed baz 1.0'],
  },
  {
    name: 'a conflict-free older version is chosen instead',
    catalog: [pkg('bar 2.0', { conflicts: ['baz'] }), pkg('bar 1.0')],
    installed: [held('baz 1.0')],
    request: ['bar'],
    expect: ['install bar 1.0'],
  },
  {
    name: 'conflict between two planned packages',
    catalog: [pkg('a 1.0', { deps: ['zoi:b', 'zoi:c'] }), pkg('b 1.0'), pkg('c 1.0', { conflicts: ['b'] })],
    request: ['a'],
    expect: ['error: c 1.0 conflicts with b 1.0'],
  },
  {
    name: 'replaces lifts the conflict and lists the replaced package',
    catalog: [pkg('bar 2.0', { conflicts: ['baz'], replaces: ['baz'] })],
    installed: [held('baz 1.0')],
    request: ['bar'],
    expect: ['install bar 2.0', 'replace baz 1.0'],
  },
]

const INSTALLED: ResolverCase[] = [
  { name: 'already installed: nothing to do', catalog: [pkg('a 1.0')], installed: [held('a 1.0')], request: ['a'], expect: [] },
  { name: 'force reinstalls', catalog: [pkg('a 1.0')], installed: [held('a 1.0')], request: ['a'], options: { force: true }, expect: ['reinstall a 1.0'] },
  {
    name: 'force reinstalls only what was asked for',
    catalog: [pkg('a 1.0', { deps: ['zoi:b'] }), pkg('b 1.0')],
    installed: [held('a 1.0', { deps: ['zoi:b'] }), held('b 1.0')],
    request: ['a'],
    options: { force: true },
    expect: ['reinstall a 1.0'],
  },
  { name: 'a newer default version upgrades', catalog: [pkg('a 1.0'), pkg('a 1.1')], installed: [held('a 1.0')], request: ['a'], expect: ['upgrade a 1.0 -> 1.1'] },
  { name: 'an explicit older version downgrades', catalog: [pkg('a 1.0'), pkg('a 1.1')], installed: [held('a 1.1')], request: ['a@1.0'], expect: ['downgrade a 1.1 -> 1.0'] },
  {
    name: 'an installed dependency that still fits is kept',
    catalog: [pkg('app 1.0', { deps: ['zoi:lib@^1'] }), pkg('lib 1.0'), pkg('lib 1.5')],
    installed: [held('lib 1.0')],
    request: ['app'],
    expect: ['install app 1.0'],
  },
  {
    name: 'an installed dependency that no longer fits is upgraded',
    catalog: [pkg('app 1.0', { deps: ['zoi:lib@>=1.2'] }), pkg('lib 1.0'), pkg('lib 1.5')],
    installed: [held('lib 1.0')],
    request: ['app'],
    expect: ['upgrade lib 1.0 -> 1.5', 'install app 1.0'],
  },
  {
    name: 'an installed dependent keeps its constraint',
    catalog: [pkg('lib 1.0'), pkg('lib 2.0')],
    installed: [held('app 1.0', { deps: ['zoi:lib@^1'] }), held('lib 1.0')],
    request: ['lib@2.0'],
    expect: ['error: requested lib@2.0 and installed app 1.0 requires zoi:lib@^1; available: lib 1.0, 2.0'],
  },
  {
    name: 'a package the index dropped stays usable',
    catalog: [pkg('app 1.0', { deps: ['zoi:legacy'] })],
    installed: [held('legacy 0.9')],
    request: ['app'],
    expect: ['install app 1.0'],
  },
]

const PINS: ResolverCase[] = [
  { name: 'a pinned package is not upgraded', catalog: [pkg('foo 1.0'), pkg('foo 2.0')], installed: [held('foo 1.0', { pinned: '1.0' })], request: ['foo'], expect: [] },
  {
    name: 'a dependency that needs another version of a pinned package',
    catalog: [pkg('bar 2.0', { deps: ['zoi:foo@^2'] }), pkg('foo 1.0'), pkg('foo 2.0')],
    installed: [held('foo 1.0', { pinned: '1.0' })],
    request: ['bar'],
    expect: ['error: foo is pinned at 1.0; bar 2.0 requires zoi:foo@^2'],
  },
  {
    name: 'a request for another version of a pinned package',
    catalog: [pkg('foo 1.0'), pkg('foo 2.0')],
    installed: [held('foo 1.0', { pinned: '1.0' })],
    request: ['foo@2.0'],
    expect: ['error: foo is pinned at 1.0; requested foo@2.0'],
  },
  {
    name: 'a pinned dependency that fits is used',
    catalog: [pkg('bar 2.0', { deps: ['zoi:foo@^1'] }), pkg('foo 1.0'), pkg('foo 1.9')],
    installed: [held('foo 1.0', { pinned: '1.0' })],
    request: ['bar'],
    expect: ['install bar 2.0'],
  },
]

const SPLIT = { subs: ['bin', 'dev', 'doc'], mainSubs: ['bin'] }
const SUBS: ResolverCase[] = [
  { name: 'no sub given: the main subs', catalog: [pkg('split 1.0', SPLIT)], request: ['split'], expect: ['install split 1.0 [bin]'] },
  { name: 'no main subs: every sub', catalog: [pkg('split 1.0', { subs: ['bin', 'dev'] })], request: ['split'], expect: ['install split 1.0 [bin, dev]'] },
  { name: 'name:sub', catalog: [pkg('split 1.0', SPLIT)], request: ['split:dev', 'split:doc'], expect: ['install split 1.0 [dev, doc]'] },
  { name: 'a sub added to an installed package', catalog: [pkg('split 1.0', SPLIT)], installed: [held('split 1.0', { subs: ['bin'] })], request: ['split:dev'], expect: ['install split 1.0 [dev]'] },
  { name: 'an upgrade carries the installed subs', catalog: [pkg('split 1.0', SPLIT), pkg('split 1.1', SPLIT)], installed: [held('split 1.0', { subs: ['dev'] })], request: ['split'], expect: ['upgrade split 1.0 -> 1.1 [bin, dev]'] },
  { name: 'dependency on a sub', catalog: [pkg('app 1', { deps: ['zoi:split:dev@^1'] }), pkg('split 1.0', SPLIT)], request: ['app'], expect: ['install split 1.0 [dev]', 'install app 1'] },
  { name: 'unknown sub', catalog: [pkg('split 1.0', SPLIT)], request: ['split:x'], expect: ["error: split has no sub-package 'x'; sub-packages: bin, dev, doc"] },
]

const OTHER: ResolverCase[] = [
  {
    name: 'external dependencies are listed, never resolved',
    catalog: [pkg('a 1.0', { deps: ['native:zlib', 'zoi:b', 'apt:libssl-dev'] }), pkg('b 1.0', { deps: ['native:zlib'] })],
    request: ['a', 'npm:typescript@5'],
    expect: ['install b 1.0', 'install a 1.0', 'external npm:typescript@5', 'external native:zlib', 'external apt:libssl-dev'],
  },
  {
    name: 'a cycle is named, not looped on',
    catalog: [pkg('a 1.0', { deps: ['zoi:b'] }), pkg('b 1.0', { deps: ['zoi:c'] }), pkg('c 1.0', { deps: ['zoi:a'] })],
    request: ['a'],
    expect: ['error: cycle: a -> b -> c -> a'],
  },
  {
    name: 'a cycle among installed packages that do not change is not a problem',
    catalog: [pkg('a 1.0', { deps: ['zoi:b'] }), pkg('b 1.0', { deps: ['zoi:a'] }), pkg('c 1.0', { deps: ['zoi:a'] })],
    installed: [held('a 1.0', { deps: ['zoi:b'] }), held('b 1.0', { deps: ['zoi:a'] })],
    request: ['c'],
    expect: ['install c 1.0'],
  },
  {
    name: 'a malformed dependency in the index',
    catalog: [pkg('a 1.0', { deps: ['zoi:'] })],
    request: ['a'],
    expect: ["error: a 1.0: invalid dependency 'zoi:': it does not start with a package name"],
  },
  { name: 'platform filter picks a version for the platform', catalog: [pkg('foo 2.0', { platforms: ['linux'] }), pkg('foo 1.0', { platforms: ['all'] })], request: ['foo'], options: { platform: 'macos-arm64' }, expect: ['install foo 1.0'] },
  {
    name: 'the search is bounded, and still says what it met',
    catalog: [pkg('a 2', { deps: ['zoi:b@9'] }), pkg('a 1', { deps: ['zoi:b@9'] }), pkg('b 1')], request: ['a'], options: { maxSteps: 1 },
    expect: ['error: a 2 requires zoi:b@9; available: b 1', 'error: gave up after trying 1 versions; ask for specific versions to narrow the search'],
  },
]

describe('resolvePlan relations', () => {
  test.each([...PROVIDES, ...CONFLICTS, ...INSTALLED, ...PINS, ...SUBS, ...OTHER].map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(run(c)).toEqual(c.expect)
  })
})
