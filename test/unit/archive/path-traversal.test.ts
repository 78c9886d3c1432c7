/**
 * One test per known archive attack, each with the hostile archive built in the test. The archive
 * is extracted to `<sandbox>/outer/dest`, so an escape of one or two levels would land inside the
 * sandbox: after each refusal the sandbox must hold exactly the archive and an empty `outer/`.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { extractArchive, listArchive, readArchiveMember } from '../../../src/archive/index.ts'
import { isZoiError, type ErrorCode } from '../../../src/errors.ts'
import { listTree, makeSandbox, makeTar, zstd, type TarSpec } from '../../support/make-archive.ts'

let cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})

async function hostileArchive(entries: (sandbox: string) => TarSpec[]): Promise<{ sandbox: string; archive: string; dest: string }> {
  const { dir, cleanup } = makeSandbox()
  cleanups.push(cleanup)
  const archive = join(dir, 'hostile.pkg.tar.zst')
  writeFileSync(archive, zstd(await makeTar(entries(dir))))
  return { sandbox: dir, archive, dest: join(dir, 'outer', 'dest') }
}

async function expectExtractRefused(entries: (sandbox: string) => TarSpec[], reason: string, code: ErrorCode = 'UNSAFE_PATH') {
  const { sandbox, archive, dest } = await hostileArchive(entries)
  const error = await extractArchive(archive, dest).then(() => undefined, (e: unknown) => e)
  expect(isZoiError(error, code)).toBe(true)
  expect((error as Error).message).toContain(archive)
  expect((error as Error).message).toContain(reason)
  // Nothing outside the destination, and the destination itself is gone.
  expect(listTree(sandbox)).toEqual(['hostile.pkg.tar.zst', 'outer'])
  return sandbox
}

const payload = { content: 'pwned\n' }

describe('hostile archives are refused and leave nothing behind', () => {
  test('../../etc/passwd', async () => {
    await expectExtractRefused(() => [{ name: 'data/ok', content: 'fine' }, { name: '../../etc/passwd', ...payload }], "'..'")
  })

  test('../ hidden in the middle: data/../../escape', async () => {
    await expectExtractRefused(() => [{ name: 'data/../../escape', ...payload }], "'..'")
  })

  test('/abs/path (an absolute path into the sandbox)', async () => {
    await expectExtractRefused((sandbox) => [{ name: join(sandbox, 'abs-escape'), ...payload }], 'absolute')
  })

  test('symlink to /etc followed by a file written through it', async () => {
    await expectExtractRefused(
      () => [
        { name: 'etc', type: 'symlink', linkname: '/etc' },
        { name: 'etc/zoi-archive-test-pwned', ...payload },
      ],
      'absolute',
    )
    expect(existsSync('/etc/zoi-archive-test-pwned')).toBe(false)
  })

  test('symlink to a directory inside, followed by a file written through it', async () => {
    await expectExtractRefused(
      () => [
        { name: 'data/real', type: 'directory' },
        { name: 'data/alias', type: 'symlink', linkname: 'real' },
        { name: 'data/alias/file', ...payload },
      ],
      "goes through the symlink 'data/alias'",
    )
  })

  test('symlink a -> ../../x', async () => {
    await expectExtractRefused(() => [{ name: 'a', type: 'symlink', linkname: '../../x' }], 'outside the archive root')
  })

  test('symlink chain: d/up -> .. then d/out -> up/.. ', async () => {
    await expectExtractRefused(
      () => [
        { name: 'd/up', type: 'symlink', linkname: '..' },
        { name: 'd/out', type: 'symlink', linkname: 'up/..' },
      ],
      'outside the archive root',
    )
  })

  test('hard link to a file outside the root', async () => {
    const sandbox = await expectExtractRefused(() => [{ name: 'data/h', type: 'link', linkname: '../../secret' }], "'..'")
    expect(existsSync(join(sandbox, 'secret'))).toBe(false)
  })

  test('hard link to an absolute host path', async () => {
    await expectExtractRefused(() => [{ name: 'data/passwd', type: 'link', linkname: '/etc/passwd' }], 'absolute')
  })

  test('hard link to a path not seen yet', async () => {
    await expectExtractRefused(
      () => [
        { name: 'data/h', type: 'link', linkname: 'data/later' },
        { name: 'data/later', ...payload },
      ],
      'not an earlier file',
    )
  })

  test('character device entry', async () => {
    await expectExtractRefused(() => [{ name: 'dev/null', type: 'character-device' }], 'character-device')
  })

  test('block device entry', async () => {
    await expectExtractRefused(() => [{ name: 'dev/sda', type: 'block-device' }], 'block-device')
  })

  test('fifo entry', async () => {
    await expectExtractRefused(() => [{ name: 'data/pipe', type: 'fifo' }], 'fifo')
  })

  test('a second entry replacing an earlier symlink', async () => {
    await expectExtractRefused(
      () => [
        { name: 'data/l', type: 'symlink', linkname: 'target' },
        { name: 'data/l', ...payload },
      ],
      'twice',
    )
  })

  test('list and member read refuse the archive too', async () => {
    const { archive } = await hostileArchive(() => [
      { name: 'manifest.yaml', content: '[]' },
      { name: '../../etc/passwd', ...payload },
      { name: 'hello.pkg.lua', content: 'x' },
    ])
    const listed = await listArchive(archive).then(() => undefined, (e: unknown) => e)
    expect(isZoiError(listed, 'UNSAFE_PATH')).toBe(true)
    const read = await readArchiveMember(archive, 'hello.pkg.lua').then(() => undefined, (e: unknown) => e)
    expect(isZoiError(read, 'UNSAFE_PATH')).toBe(true)
  })
})
