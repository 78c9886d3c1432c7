/** The source cache: hits need no network, misses download once (mirrors first), offline misses name the URL. */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createNet } from '../../../src/platform/net.ts'
import { blobCandidates, readIndex, SourceCache, urlKey } from '../../../src/sources/index.ts'
import { zoiFailure } from '../../support/expect-error.ts'
import { makeTempDir } from '../../support/run-cli.ts'
import { startStaticServer, type StaticServer } from '../../support/static-server.ts'

let upstream: StaticServer
let mirror: StaticServer
const root = makeTempDir('zoi-sources-')
const sha512 = (text: string) => createHash('sha512').update(text).digest('hex')

beforeAll(async () => {
  mkdirSync(join(root, 'up'), { recursive: true })
  writeFileSync(join(root, 'up/a.tar.gz'), 'upstream bytes')
  upstream = await startStaticServer(join(root, 'up'))
  const url = `${upstream.url}/only-on-mirror.txt`
  mkdirSync(join(root, 'mirror/sources/by-url'), { recursive: true })
  writeFileSync(join(root, 'mirror/sources/by-url', urlKey(url)), 'mirrored bytes')
  mirror = await startStaticServer(join(root, 'mirror'))
})
afterAll(async () => {
  await upstream.stop()
  await mirror.stop()
})

const cacheAt = (dir: string, offline: boolean, mirrors: string[] = []) =>
  new SourceCache({ dir, net: createNet({ offline, retries: 0 }), mirrors, pkg: 'demo' })

test('a miss online downloads and stores by SHA-512; the hit then needs no network', async () => {
  const dir = join(root, 'c1')
  const url = `${upstream.url}/a.tar.gz`
  const blob = await cacheAt(dir, false).obtain(url)
  expect(blob.sha512).toBe(sha512('upstream bytes'))
  expect(readFileSync(join(dir, 'sha512', blob.sha512), 'utf8')).toBe('upstream bytes')
  expect(readIndex(dir).urls[url]).toEqual({ sha512: blob.sha512, size: 14, packages: ['demo'] })
  const again = await cacheAt(dir, true).obtain(url)
  expect(again.path).toBe(blob.path)
})

test('an offline miss is exit 5 naming the URL and the ways to supply it', async () => {
  const error = await zoiFailure(cacheAt(join(root, 'c2'), true).obtain('http://example.invalid/x.tgz'))
  expect(error.exitCode).toBe(5)
  expect(error.message).toBe('source not in the source cache and cannot download: offline mode. Missing: http://example.invalid/x.tgz')
  expect(error.hint).toContain('zoi source add')
})

test('a hashed mirror is tried before the URL: by-url without a hash, sha512/<hex> with one', async () => {
  const url = `${upstream.url}/only-on-mirror.txt`
  expect(blobCandidates(['http://m/'], url)).toEqual([`http://m/sources/by-url/${urlKey(url)}`, url])
  expect(blobCandidates(['http://m'], url, 'ab')).toEqual(['http://m/sources/sha512/ab', url])
  const blob = await cacheAt(join(root, 'c3'), false, [mirror.url]).obtain(url)
  expect(readFileSync(blob.path, 'utf8')).toBe('mirrored bytes')
})

test('a mirror without the file falls through to the URL', async () => {
  const blob = await cacheAt(join(root, 'c4'), false, [mirror.url]).obtain(`${upstream.url}/a.tar.gz`)
  expect(readFileSync(blob.path, 'utf8')).toBe('upstream bytes')
})

test('a wrong expected SHA-512 from upstream is an integrity error and nothing is stored', async () => {
  const dir = join(root, 'c5')
  const error = await zoiFailure(cacheAt(dir, false).obtain(`${upstream.url}/a.tar.gz`, sha512('other')))
  expect(error.exitCode).toBe(6)
  expect(existsSync(join(dir, 'sha512', sha512('upstream bytes')))).toBe(false)
})

test('source add files a hand-carried copy under its URL', async () => {
  const dir = join(root, 'c6')
  writeFileSync(join(root, 'carried.tgz'), 'carried')
  await cacheAt(dir, true).add(join(root, 'carried.tgz'), 'http://example.invalid/carried.tgz')
  const blob = await cacheAt(dir, true).obtain('http://example.invalid/carried.tgz')
  expect(readFileSync(blob.path, 'utf8')).toBe('carried')
})
