/** The manifest: every file with its SHA-512, sha512sum-compatible, and cheap to refresh. */
import { afterAll, expect, test } from 'bun:test'
import { readFile, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeManifest } from '../../../src/mirror/index.ts'
import { listFiles } from '../../../src/mirror/manifest.ts'
import { makeTempDir, removeTempDirs, writeFiles } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const sha512 = (s: string) => new Bun.CryptoHasher('sha512').update(s).digest('hex')

test('lists every file but dot-names and the manifests; both formats agree', async () => {
  const root = await makeTempDir('zoi-mirror-')
  await writeFiles(root, { 'b.txt': 'b', 'a/x.bin': 'x', '.zoi/lock': '1', 'a/.hidden': 'h', 'registry.git/HEAD': 'ref: refs/heads/main\n' })
  const { manifest, hashed } = await writeManifest(root, { handle: 'h' })
  expect(manifest.files.map((f) => f.path)).toEqual(['a/x.bin', 'b.txt', 'registry.git/HEAD'])
  expect(manifest.files[0]).toEqual({ path: 'a/x.bin', size: 1, sha512: sha512('x') })
  expect(hashed).toBe(3)
  expect(JSON.parse(await readFile(join(root, 'manifest.json'), 'utf8'))).toEqual(manifest)
  expect(await readFile(join(root, 'manifest.sha512'), 'utf8')).toBe(manifest.files.map((f) => `${f.sha512}  ${f.path}\n`).join(''))
  expect(await listFiles(root)).not.toContain('manifest.json')
})

test.skipIf(!Bun.which('sha512sum'))('sha512sum -c passes on manifest.sha512 (needs sha512sum)', async () => {
  const root = await makeTempDir('zoi-mirror-')
  await writeFiles(root, { 'b.txt': 'b', 'a/x.bin': 'x', '.zoi/lock': '1' })
  await writeManifest(root, { handle: 'h' })
  const check = Bun.spawnSync(['sha512sum', '-c', '--quiet', 'manifest.sha512'], { cwd: root })
  expect(check.exitCode).toBe(0)
})

test('a garbled hash cache (a killed run) is ignored and everything is hashed again', async () => {
  const root = await makeTempDir('zoi-mirror-')
  await writeFiles(root, { 'one': '1', '.zoi/manifest-hashes.json': '{"one": [1, 2' })
  const { manifest, hashed } = await writeManifest(root, {})
  expect(hashed).toBe(1)
  expect(manifest.files).toEqual([{ path: 'one', size: 1, sha512: sha512('1') }])
})

test('a re-run hashes only files whose size or mtime changed', async () => {
  const root = await makeTempDir('zoi-mirror-')
  await writeFiles(root, { 'one': '1', 'two': '2' })
  await writeManifest(root, {})
  expect((await writeManifest(root, {})).hashed).toBe(0)
  await writeFile(join(root, 'two'), '3')
  await utimes(join(root, 'two'), new Date(), new Date(Date.now() + 5000))
  const again = await writeManifest(root, {})
  expect(again.hashed).toBe(1)
  expect(again.manifest.files.find((f) => f.path === 'two')?.sha512).toBe(sha512('3'))
})
