/** What a build tells its `git` through the environment, and the misses that git notes back. */
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { ZoiError } from '../../../src/errors.ts'
import { createNet } from '../../../src/platform/net.ts'
import { firstMiss, noteMiss, settingsFromEnvironment, SourceCache, sourceEnvironment } from '../../../src/sources/index.ts'
import { makeTempDir } from '../../support/run-cli.ts'

test('the environment round-trips cache folder, offline flag, mirrors and package; the shim goes first on PATH', () => {
  const cache = new SourceCache({ dir: '/c', net: createNet({ offline: true }), mirrors: ['http://m1', 'http://m2'], pkg: 'hello' })
  const env = sourceEnvironment(cache, '/b/bin', '/b/misses', '/usr/bin:/bin')
  expect(env.PATH).toBe('/b/bin:/usr/bin:/bin')
  expect(settingsFromEnvironment(env)).toEqual({ dir: '/c', offline: true, mirrors: ['http://m1', 'http://m2'], pkg: 'hello', misses: '/b/misses' })
  expect(settingsFromEnvironment({})).toBeUndefined()
})

test('only offline and network failures are noted; the first one comes back as exit 5 with its hint', () => {
  const file = join(makeTempDir(), 'misses')
  expect(firstMiss(file)).toBeUndefined()
  noteMiss(file, new ZoiError('USAGE', 'not a miss'))
  noteMiss(file, new ZoiError('OFFLINE', 'Missing: http://x/y.git', { hint: 'add it' }))
  const miss = firstMiss(file)!
  expect([miss.code, miss.exitCode, miss.message, miss.hint]).toEqual(['OFFLINE', 5, 'git in cmd(): Missing: http://x/y.git', 'add it'])
})
