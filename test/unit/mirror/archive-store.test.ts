/** Archives into the mirror: layout, sidecars (copied or made), the flat view, no needless copies. */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { archiveComplete, placeArchive, sweepTemporaries } from '../../../src/mirror/index.ts'
import { buildArchive } from '../cache/cache-fixtures.ts'
import { zoiFailure } from '../../support/expect-error.ts'
import { makeTempDir, removeTempDirs } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const ITEM = { name: 'tool', version: '1.0.0', repo: 'core/dev', os: 'linux', arch: 'amd64' }
const REL = 'pkgs/core/dev/linux/amd64/1.0.0/tool-1.0.0-linux-amd64.pkg.tar.zst'

describe('placeArchive', () => {
  test('nested path, sidecars copied from the source, flat hard links, SHA-512 in .hash', async () => {
    const src = await buildArchive(await makeTempDir(), 'tool', '1.0.0', { sidecars: true })
    const root = await makeTempDir('zoi-mirror-')
    const placed = await placeArchive(root, ITEM, src.path)
    expect(placed).toEqual({ path: REL, sha512: src.sha512, bytes: (await stat(src.path)).size, copied: true })
    expect(await readFile(join(root, `${REL}.hash`), 'utf8')).toBe(`${src.sha512}  tool-1.0.0-linux-amd64.pkg.tar.zst\n`)
    for (const s of ['.size', '.files']) expect(await readFile(join(root, REL + s), 'utf8')).toBe(await readFile(src.path + s, 'utf8'))
    for (const s of ['', '.hash', '.size', '.files']) {
      const [nested, flat] = await Promise.all([stat(join(root, REL + s)), stat(join(root, 'archives/tool-1.0.0-linux-amd64.pkg.tar.zst' + s))])
      expect(flat.ino).toBe(nested.ino)
    }
  })

  test('without sidecars beside the source, the mirror makes the same ones a build writes', async () => {
    const withSidecars = await buildArchive(await makeTempDir(), 'tool', '1.0.0', { sidecars: true })
    const bare = await buildArchive(await makeTempDir(), 'tool', '1.0.0')
    const root = await makeTempDir('zoi-mirror-')
    await placeArchive(root, ITEM, bare.path)
    for (const s of ['.hash', '.size', '.files']) expect(await readFile(join(root, REL + s), 'utf8')).toBe(await readFile(withSidecars.path + s, 'utf8'))
  })

  test('the same archive again is not copied; a different one replaces it', async () => {
    const root = await makeTempDir('zoi-mirror-')
    const src = await buildArchive(await makeTempDir(), 'tool', '1.0.0', { sidecars: true })
    await placeArchive(root, ITEM, src.path)
    const before = await stat(join(root, REL))
    await Bun.sleep(5)
    expect((await placeArchive(root, ITEM, src.path)).copied).toBe(false)
    expect((await stat(join(root, REL))).mtimeMs).toBe(before.mtimeMs)
    const other = await buildArchive(await makeTempDir(), 'tool', '1.0.0', { sidecars: true, payloadBytes: 999 })
    const replaced = await placeArchive(root, ITEM, other.path)
    expect(replaced).toMatchObject({ copied: true, sha512: other.sha512 })
    expect((await stat(join(root, 'archives/tool-1.0.0-linux-amd64.pkg.tar.zst'))).ino).toBe((await stat(join(root, REL))).ino)
  })

  test('a source that contradicts its own .hash is refused (INTEGRITY) and nothing lands', async () => {
    const src = await buildArchive(await makeTempDir(), 'tool', '1.0.0', { sidecars: true })
    await writeFile(`${src.path}.hash`, `${'0'.repeat(128)}  tool-1.0.0-linux-amd64.pkg.tar.zst\n`)
    const root = await makeTempDir('zoi-mirror-')
    expect((await zoiFailure(placeArchive(root, ITEM, src.path))).code).toBe('INTEGRITY')
    expect(await stat(join(root, REL)).catch(() => undefined)).toBeUndefined()
  })
})

test('a .sig beside the source is served beside the mirrored archive and in the flat view', async () => {
  const src = await buildArchive(await makeTempDir(), 'tool', '1.0.0', { sidecars: true })
  await writeFile(`${src.path}.sig`, 'signature bytes')
  const root = await makeTempDir('zoi-mirror-')
  await placeArchive(root, ITEM, src.path)
  expect(await readFile(join(root, `${REL}.sig`), 'utf8')).toBe('signature bytes')
  expect(await readFile(join(root, 'archives/tool-1.0.0-linux-amd64.pkg.tar.zst.sig'), 'utf8')).toBe('signature bytes')
})

/** States a SIGKILL during `zoi mirror` can leave behind, and the run after it. */
describe('crash safety', () => {
  const FLAT = 'archives/tool-1.0.0-linux-amd64.pkg.tar.zst'

  async function mirrored(): Promise<{ root: string; src: Awaited<ReturnType<typeof buildArchive>> }> {
    const src = await buildArchive(await makeTempDir(), 'tool', '1.0.0', { sidecars: true })
    const root = await makeTempDir('zoi-mirror-')
    await placeArchive(root, ITEM, src.path)
    return { root, src }
  }

  test('an archive killed between its .hash and .size (ENOENT .size wedge) is repaired by the next run', async () => {
    const { root, src } = await mirrored()
    await rm(join(root, `${REL}.size`))
    await rm(join(root, `${REL}.files`))
    await rm(join(root, `${FLAT}.size`))
    expect(await archiveComplete(join(root, REL))).toBe(false)
    const again = await placeArchive(root, ITEM, src.path)
    expect(again.copied).toBe(false)
    expect(await archiveComplete(join(root, REL))).toBe(true)
    for (const s of ['.size', '.files']) expect(await readFile(join(root, REL + s), 'utf8')).toBe(await readFile(src.path + s, 'utf8'))
    expect((await stat(join(root, `${FLAT}.size`))).ino).toBe((await stat(join(root, `${REL}.size`))).ino)
  })

  test('an archive left without any sidecar (no other copy anywhere) is hashed again in place', async () => {
    const { root, src } = await mirrored()
    for (const s of ['.hash', '.size', '.files']) await rm(join(root, REL + s))
    const repaired = await placeArchive(root, ITEM, join(root, REL))
    expect(repaired).toMatchObject({ sha512: src.sha512, copied: false })
    for (const s of ['.hash', '.size', '.files']) expect(await readFile(join(root, REL + s), 'utf8')).toBe(await readFile(src.path + s, 'utf8'))
  })

  test('replacing an archive removes its .hash first, so a crash never pairs a new archive with an old hash', async () => {
    const { root } = await mirrored()
    const other = await buildArchive(await makeTempDir(), 'tool', '1.0.0', { sidecars: true, payloadBytes: 999 })
    await placeArchive(root, ITEM, other.path)
    const hash = (await readFile(join(root, `${REL}.hash`), 'utf8')).split(' ')[0]
    expect(hash).toBe(other.sha512)
  })

  test('temporary files of a killed run are hidden (not served, not in the manifest) and swept by the next run', async () => {
    const { root } = await mirrored()
    const dir = join(root, 'pkgs/core/dev/linux/amd64/1.0.0')
    await writeFile(join(dir, '.tool-1.0.0-linux-amd64.pkg.tar.zst.tmp-4242'), 'half')
    await writeFile(join(dir, 'tool-1.0.0-linux-amd64.pkg.tar.zst.hash.tmp-4242-k3j2'), 'half')
    await writeFile(join(root, 'manifest.json.tmp-4242-zz'), '{')
    // What a killed git write leaves in registry.git (gitFs writes a hidden temp and renames it).
    await mkdir(join(root, 'registry.git/refs/heads'), { recursive: true })
    await writeFile(join(root, 'registry.git/.HEAD.tmp-4242-ab'), 'ref: refs/he')
    await writeFile(join(root, 'registry.git/refs/heads/.main.tmp-4242-cd'), '')
    expect(await sweepTemporaries(root)).toBe(5)
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([])
    expect(await readdir(join(root, 'registry.git/refs/heads'))).toEqual([])
    expect(await archiveComplete(join(root, REL))).toBe(true)
  })
})
