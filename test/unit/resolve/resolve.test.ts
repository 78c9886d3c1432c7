// Resolver tables, apk test/solver style: catalog + installed + request → plan or explanation.
// This file: versions, dependencies, channels and registries. See resolve-relations.test.ts too.
import { describe, expect, test } from 'bun:test'
import { pkg, run, type ResolverCase } from './resolve-fixtures.ts'

const CASES: ResolverCase[] = [
  { name: 'simple', catalog: [pkg('a 1.0')], request: ['a'], expect: ['install a 1.0'] },
  {
    // Regression: the order came from the solver's decisions (names sorted), not the request.
    name: 'independent requests are applied in the order given',
    catalog: [pkg('alpha 1.0'), pkg('zulu 1.0'), pkg('mike 1.0')],
    request: ['zulu', 'alpha', 'mike'],
    expect: ['install zulu 1.0', 'install alpha 1.0', 'install mike 1.0'],
  },
  {
    name: 'newest version in version order, not string order',
    catalog: [pkg('a 1.2'), pkg('a 1.10'), pkg('a 1.9')],
    request: ['a'],
    expect: ['install a 1.10'],
  },
  {
    name: 'dependency chain installs leaves first',
    catalog: [pkg('a 1.0', { deps: ['zoi:b'] }), pkg('b 1.0', { deps: ['c'] }), pkg('c 1.0')],
    request: ['a'],
    expect: ['install c 1.0', 'install b 1.0', 'install a 1.0'],
  },
  {
    name: 'diamond picks the newest d allowed by both sides',
    catalog: [
      pkg('a 1.0', { deps: ['zoi:b', 'zoi:c'] }),
      pkg('b 1.0', { deps: ['zoi:d@^1'] }),
      pkg('c 1.0', { deps: ['zoi:d@>=1.2'] }),
      ...['1.0', '1.1', '1.2', '1.4.0', '2.0'].map((v) => pkg(`d ${v}`)),
    ],
    request: ['a'],
    expect: ['install d 1.4.0', 'install b 1.0', 'install c 1.0', 'install a 1.0'],
  },
  {
    name: 'backtracks to an older version when the newest cannot be satisfied',
    catalog: [pkg('a 2.0', { deps: ['zoi:b@^2'] }), pkg('a 1.0', { deps: ['zoi:b@^1'] }), pkg('b 1.5')],
    request: ['a'],
    expect: ['install b 1.5', 'install a 1.0'],
  },
  {
    name: 'backtracks across a diamond: c drops to 1.0 to agree with b on d',
    catalog: [
      pkg('a 1.0', { deps: ['zoi:b', 'zoi:c'] }),
      pkg('b 1.0', { deps: ['zoi:d@^1'] }),
      pkg('c 2.0', { deps: ['zoi:d@^2'] }),
      pkg('c 1.0', { deps: ['zoi:d@^1'] }),
      pkg('d 1.3'),
      pkg('d 2.1'),
    ],
    request: ['a'],
    expect: ['install d 1.3', 'install b 1.0', 'install c 1.0', 'install a 1.0'],
  },
  {
    name: 'missing dependency names who needs it',
    catalog: [pkg('a 1.0', { deps: ['zoi:nope'] })],
    request: ['a'],
    expect: ["error: package 'nope' not found (required by a 1.0)"],
  },
  {
    name: 'every missing request is reported at once',
    catalog: [pkg('a 1.0')],
    request: ['nope', 'a', '@extra/gone'],
    expect: ["error: package 'nope' not found", "error: package 'gone' not found in repo 'extra'"],
  },
  {
    name: 'version conflict says what is available',
    catalog: [pkg('vim 9.1.0', { deps: ['zoi:ncurses@^6'] }), pkg('ncurses 5.9')],
    request: ['vim'],
    expect: ['error: vim 9.1.0 requires zoi:ncurses@^6; available: ncurses 5.9'],
  },
  {
    name: 'unsatisfiable diamond names both sides',
    catalog: [
      pkg('a 1.0', { deps: ['zoi:b', 'zoi:c'] }),
      pkg('b 1.0', { deps: ['zoi:d@^1'] }),
      pkg('c 1.0', { deps: ['zoi:d@>=2'] }),
      pkg('d 1.5'),
      pkg('d 2.0'),
    ],
    request: ['a'],
    expect: ['error: b 1.0 requires zoi:d@^1 and c 1.0 requires zoi:d@>=2; available: d 1.5, 2.0'],
  },
  {
    name: 'exact dependency version that the index lacks',
    catalog: [pkg('a 1.0', { deps: ['zoi:b@1.3'] }), pkg('b 1.2')],
    request: ['a'],
    expect: ['error: a 1.0 requires zoi:b@1.3; available: b 1.2'],
  },
  {
    name: 'explicit unknown version is an error, not a guess (SPEC FIX)',
    catalog: [pkg('foo 1.0', { channels: { stable: '1.0' } }), pkg('foo 2.0')],
    request: ['foo@9.9'],
    expect: ["error: foo has no version '9.9'; available: 1.0, 2.0; channels: stable"],
  },
  { name: 'explicit known version', catalog: [pkg('foo 1.0'), pkg('foo 2.0')], request: ['foo@1.0'], expect: ['install foo 1.0'] },
  { name: 'explicit range', catalog: [pkg('foo 1.0'), pkg('foo 1.5'), pkg('foo 2.0')], request: ['foo@^1'], expect: ['install foo 1.5'] },
  {
    name: 'non-semver versions resolve exactly',
    catalog: [pkg('tool 2023.12.01'), pkg('tool 2024.01.05'), pkg('tool v3')],
    request: ['tool@2024.1.5', 'zoi:tool@>=2024'],
    expect: ['install tool 2024.01.05'],
  },
]

const CHANNELS = { stable: '1.0', beta: '2.0-beta.1' }
const CHANNEL_CASES: ResolverCase[] = [
  { name: 'no version: the stable channel', catalog: [pkg('foo 1.0', { channels: CHANNELS }), pkg('foo 2.0-beta.1', { channels: CHANNELS }), pkg('foo 1.5')], request: ['foo'], expect: ['install foo 1.0'] },
  { name: '@channel', catalog: [pkg('foo 1.0', { channels: CHANNELS }), pkg('foo 2.0-beta.1', { channels: CHANNELS })], request: ['foo@beta'], expect: ['install foo 2.0-beta.1'] },
  { name: '@@channel', catalog: [pkg('foo 1.0', { channels: CHANNELS }), pkg('foo 2.0-beta.1', { channels: CHANNELS })], request: ['foo@@beta'], expect: ['install foo 2.0-beta.1'] },
  { name: 'dependency on a channel', catalog: [pkg('a 1', { deps: ['zoi:foo@beta'] }), pkg('foo 1.0', { channels: CHANNELS }), pkg('foo 2.0-beta.1')], request: ['a'], expect: ['install foo 2.0-beta.1', 'install a 1'] },
  {
    name: 'no stable channel: the alphabetically first one',
    catalog: [pkg('foo 3.0', { channels: { nightly: '3.0', beta: '2.0' } }), pkg('foo 2.0')],
    request: ['foo'],
    expect: ['install foo 2.0'],
  },
  { name: 'no channels: the newest release, not a pre-release', catalog: [pkg('foo 1.0'), pkg('foo 2.0-rc.1')], request: ['foo'], expect: ['install foo 1.0'] },
  { name: 'only a pre-release: it is used', catalog: [pkg('foo 2.0-rc.1')], request: ['foo'], expect: ['install foo 2.0-rc.1'] },
  {
    name: 'unknown channel after @@',
    catalog: [pkg('foo 1.0', { channels: CHANNELS })],
    request: ['foo@@nightly'],
    expect: ["error: foo has no channel 'nightly'; channels: beta, stable"],
  },
  {
    name: 'channel pointing at a version the index lacks',
    catalog: [pkg('foo 1.0', { channels: { stable: '1.0', beta: '3.0' } })],
    request: ['foo@beta'],
    expect: ["error: channel 'beta' of foo points to 3.0, which the index does not have; available: 1.0"],
  },
]

const REGISTRY_CASES: ResolverCase[] = [
  {
    name: 'same name in two registries is ambiguous without a default',
    catalog: [pkg('foo 1.0'), pkg('foo 2.0', { handle: 'corp' })],
    request: ['foo'],
    expect: ["error: 'foo' is in several places: #corp@core/foo, #main@core/foo; name one, e.g. #corp@core/foo"],
  },
  { name: 'the default registry wins', catalog: [pkg('foo 1.0'), pkg('foo 2.0', { handle: 'corp' })], request: ['foo'], options: { defaultHandle: 'main' }, expect: ['install foo 1.0'] },
  { name: '#handle picks the registry', catalog: [pkg('foo 1.0'), pkg('foo 2.0', { handle: 'corp' })], request: ['#corp@foo'], options: { defaultHandle: 'main' }, expect: ['install foo 2.0'] },
  {
    name: "a dependency prefers its own registry; shared names are shown qualified",
    catalog: [pkg('foo 1.0'), pkg('foo 2.0', { handle: 'corp' }), pkg('app 1.0', { handle: 'corp', deps: ['zoi:foo'] })],
    request: ['#corp@core/app', '#main@foo'],
    options: { defaultHandle: 'main' },
    expect: ['install #corp@core/foo 2.0', 'install app 1.0', 'install #main@core/foo 1.0'],
  },
  {
    name: '@repo/name in a dependency (SPEC FIX)',
    catalog: [pkg('a 1.0', { deps: ['zoi:@extra/b@1.2'] }), pkg('b 1.2'), pkg('b 1.2', { repo: 'extra', deps: ['zoi:c'] }), pkg('c 1')],
    request: ['a'],
    expect: ['install c 1', 'install b 1.2', 'install a 1.0'],
  },
  { name: 'nested repo path', catalog: [pkg('nvidia-driver 550', { repo: 'core/linux/amd64' })], request: ['@core/linux/amd64/nvidia-driver'], expect: ['install nvidia-driver 550'] },
  {
    name: 'platform filter',
    catalog: [pkg('foo 2.0', { platforms: ['linux'] }), pkg('foo 1.0', { platforms: ['all'] }), pkg('bar 1.0', { platforms: ['linux-amd64'] })],
    request: ['foo', 'bar'],
    options: { platform: 'macos-arm64' },
    expect: ['error: bar is not available for macos-arm64 (platforms: linux-amd64)'],
  },
]

describe('resolvePlan', () => {
  test.each([...CASES, ...CHANNEL_CASES, ...REGISTRY_CASES].map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(run(c)).toEqual(c.expect)
  })
})
