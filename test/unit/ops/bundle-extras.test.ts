/**
 * A bundle's sources/index.json is the bundle's word: it may name files inside the bundle's
 * sources/ folder only, and a bad entry stops the import before any source is added.
 */
import { afterAll, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Context } from '../../../src/context.ts'
import { importBundleSources } from '../../../src/ops/bundle-extras.ts'
import { createNet } from '../../../src/platform/net.ts'
import { zoiFailure } from '../../support/expect-error.ts'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function setup(index: unknown): { ctx: Context; root: string; cache: string; secret: string } {
  const home = mkdtempSync(join(tmpdir(), 'zoi-bundle-extras-'))
  dirs.push(home)
  const root = join(home, 'bundle')
  const secret = join(home, 'secret.txt')
  writeFileSync(secret, 'not for the cache\n')
  const good = 'a source tarball\n'
  const sha = createHash('sha512').update(good).digest('hex')
  mkdirSync(join(root, 'sources', 'sha512'), { recursive: true })
  writeFileSync(join(root, 'sources', 'sha512', sha), good)
  writeFileSync(join(root, 'sources', 'index.json'), JSON.stringify(typeof index === 'function' ? index(sha) : index))
  const cache = join(home, 'source-cache')
  const ctx = { layout: { sourceCacheDir: cache }, net: createNet({ offline: true }), report: () => {} } as unknown as Context
  return { ctx, root, cache, secret }
}

const good = (sha: string) => ({ 'https://example.org/good.tar.gz': { sha512: sha, size: 17, packages: [] } })

test('a file named by an index entry outside sources/ (a path in place of its SHA-512) is refused, and nothing is added', async () => {
  const { ctx, root, cache } = setup((sha: string) => ({ version: 1, urls: { ...good(sha), 'https://example.org/x.tar.gz': { sha512: '../../../secret.txt', size: 1, packages: [] } }, git: {} }))
  const e = await zoiFailure(importBundleSources(ctx, root))
  expect(e.exitCode).toBe(6)
  expect(e.message).toContain('"../../../secret.txt"')
  expect(e.hint).toContain('make the bundle again')
  expect(existsSync(cache)).toBe(false)
})

test('a git repository named outside sources/ is refused, and nothing is added', async () => {
  const { ctx, root, cache } = setup((sha: string) => ({ version: 1, urls: good(sha), git: { 'https://example.org/r.git': { repo: '../../../etc', refs: {}, packages: [] } } }))
  const e = await zoiFailure(importBundleSources(ctx, root))
  expect(e.exitCode).toBe(6)
  expect(e.message).toContain('the repository of https://example.org/r.git')
  expect(existsSync(cache)).toBe(false)
})

test('entries inside sources/ are added', async () => {
  const { ctx, root, cache } = setup((sha: string) => ({ version: 1, urls: good(sha), git: {} }))
  expect(await importBundleSources(ctx, root)).toBe(1)
  expect(existsSync(join(cache, 'index.json'))).toBe(true)
})
