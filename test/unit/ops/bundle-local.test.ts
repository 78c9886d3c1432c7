import { afterAll, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { BundleFile, BundleManifest } from '../../../src/bundle/manifest.ts'
import { localCopies, localPathOf, SOURCE_INDEX } from '../../../src/ops/bundle-local.ts'
import { MIRROR_PATHS, readIndex, updateIndex } from '../../../src/sources/index.ts'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function machine() {
  const home = mkdtempSync(join(tmpdir(), 'zoi-bundle-local-'))
  dirs.push(home)
  return { cacheDir: join(home, 'cache'), dbDir: join(home, 'db'), sourceCacheDir: join(home, 'sources'), home }
}

const sha = (bytes: string) => createHash('sha512').update(bytes).digest('hex')
const file = (path: string, bytes: string, role: BundleFile['role'] = 'archive'): BundleFile => ({ path, sha512: sha(bytes), size: Buffer.byteLength(bytes), role })
const put = (path: string, bytes: string) => {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, bytes)
}

const registries = [
  { handle: 'core', url: 'https://x/core.git', commit: 'a'.repeat(40), default: true, git: 'registry/core.git', index: 'registry/core.db' },
  { handle: 'extra', url: 'https://x/extra.git', commit: 'b'.repeat(40), default: false, git: 'registry/extra.git', index: 'registry/extra.db' },
]
const manifestOf = (files: BundleFile[], inherited: BundleFile[]) => ({ registries, files, inherited }) as unknown as BundleManifest

test('each inherited file maps to where an import keeps it: archive cache, the clone of its registry, the content-addressed source cache; zoi binaries and keys are not needed', () => {
  const m = machine()
  const at = (path: string, bytes = 'x') => localPathOf(m, { registries }, file(path, bytes))
  expect(at('archives/hello-1.0.0-linux-amd64.pkg.tar.zst')).toMatchObject({ path: join(m.cacheDir, 'hello-1.0.0-linux-amd64.pkg.tar.zst') })
  expect(at('archives/hello-1.0.0-linux-amd64.pkg.tar.zst.hash')).toMatchObject({ path: join(m.cacheDir, 'hello-1.0.0-linux-amd64.pkg.tar.zst.hash') })
  expect(at('registry/extra.git/objects/pack/pack-1.pack')).toMatchObject({ path: join(m.dbDir, 'extra', '.git', 'objects', 'pack', 'pack-1.pack') })
  // A file by URL is the same bytes as the blob named by its SHA-512.
  expect(at('sources/by-url/abc', 'src')).toMatchObject({ path: join(m.sourceCacheDir, 'sha512', sha('src')) })
  expect(at(`sources/sha512/${sha('src')}`, 'src')).toMatchObject({ path: join(m.sourceCacheDir, 'sha512', sha('src')) })
  expect(at('sources/git/k.git/objects/pack/p.pack')).toMatchObject({ path: join(m.sourceCacheDir, 'git', 'k.git', 'objects', 'pack', 'p.pack') })
  expect(at('sources/git/k.git/refs/tags/v1')).toMatchObject({ path: join(m.sourceCacheDir, 'git', 'k.git', 'refs', 'tags', 'v1') })
  // A git source's HEAD and config are each machine's own; the test import reads objects and refs.
  expect(at('sources/git/k.git/config')).toBe('unused')
  expect(at('sources/git/k.git/HEAD')).toBe('unused')
  expect(at('zoi/zoi-linux-amd64')).toBe('unused')
  expect(at('keys/core.asc')).toBe('unused')
  // Nothing an import keeps: a registry file outside its packs, an archive in a subfolder.
  expect(at('registry/core.git/HEAD')).toBeUndefined()
  expect(at('registry/other.git/objects/pack/pack-1.pack')).toBeUndefined()
  expect(at('archives/sub/x.pkg.tar.zst')).toBeUndefined()
})

test('a local copy counts only with the SHA-512 the increment lists: copied (not linked) into the tree; one absent or altered is named', async () => {
  const m = machine()
  const tree = join(m.home, 'tree')
  const good = file('archives/a-1-linux-amd64.pkg.tar.zst', 'archive a')
  const pack = file('registry/core.git/objects/pack/pack-1.pack', 'pack bytes', 'registry')
  const altered = file('archives/b-1-linux-amd64.pkg.tar.zst', 'archive b')
  const gone = file('archives/c-1-linux-amd64.pkg.tar.zst', 'archive c')
  put(join(m.cacheDir, 'a-1-linux-amd64.pkg.tar.zst'), 'archive a')
  put(join(m.dbDir, 'core/.git/objects/pack/pack-1.pack'), 'pack bytes')
  put(join(m.cacheDir, 'b-1-linux-amd64.pkg.tar.zst'), 'archive B')
  const copy = localCopies(m, manifestOf([], [good, pack, altered, gone]))
  expect(await copy(good, join(tree, good.path))).toBeUndefined()
  expect(await copy(pack, join(tree, pack.path))).toBeUndefined()
  expect(readFileSync(join(tree, good.path), 'utf8')).toBe('archive a')
  expect(statSync(join(tree, good.path)).ino).not.toBe(statSync(join(m.cacheDir, 'a-1-linux-amd64.pkg.tar.zst')).ino)
  expect(await copy(altered, join(tree, altered.path))).toContain(`${altered.path}, inherited from the base, differs on this machine`)
  expect(await copy(gone, join(tree, gone.path))).toBe(`${gone.path}, inherited from the base, is not on this machine as the base brought it (not in the archive cache: removed by 'zoi cache clear'?)`)
  // The sidecars of an archive already named are not named again.
  expect(await copy(file(`${gone.path}.hash`, 'h'), join(tree, `${gone.path}.hash`))).toBeUndefined()
  expect(await copy(file('zoi/zoi-linux-amd64', 'bin', 'zoi'), join(tree, 'zoi/zoi-linux-amd64'))).toBeUndefined()
  expect(existsSync(join(tree, 'zoi'))).toBe(false)
})

test("sources/index.json, rewritten per machine, is rebuilt from this machine's index for the sources the listing names; the source cache is left as it was", async () => {
  const m = machine()
  const tree = join(m.home, 'tree')
  const url = 'https://example.org/hello-1.0.tar.gz'
  const other = 'https://example.org/unrelated.tar.gz'
  const git = 'https://example.org/lib.git'
  updateIndex(m.sourceCacheDir, (i) => {
    i.urls[url] = { sha512: sha('hello src'), size: 9, packages: ['hello', 'greeter'] }
    i.urls[other] = { sha512: sha('other'), size: 5, packages: ['other'] }
    i.git[git] = { repo: `git/${MIRROR_PATHS.git(git).split('/').pop()}`, refs: { v1: 'c'.repeat(40) }, packages: ['lib'] }
  })
  const before = statSync(join(m.sourceCacheDir, 'index.json')).mtimeMs
  const index = file(SOURCE_INDEX, '{"the base machine": true}', 'source')
  const inherited = [index, file(MIRROR_PATHS.blob(sha('hello src')), 'hello src', 'source'), file(`${MIRROR_PATHS.git(git)}/HEAD`, 'ref: refs/heads/main\n', 'source')]
  expect(await localCopies(m, manifestOf([], inherited))(index, join(tree, SOURCE_INDEX))).toBeUndefined()
  const rebuilt = readIndex(join(tree, 'sources'))
  expect(Object.keys(rebuilt.urls)).toEqual([url])
  expect(rebuilt.urls[url]!.sha512).toBe(sha('hello src'))
  expect(rebuilt.git[git]!.repo).toBe(MIRROR_PATHS.git(git).slice('sources/'.length))
  expect(statSync(join(m.sourceCacheDir, 'index.json')).mtimeMs).toBe(before)
})
