/**
 * The second extracting thread runs the same reader as the main thread: the same files, hashes
 * and checks, errors that arrive as what they were (code, hint, data, errno), and nothing left
 * behind on failure.
 */
import { afterAll, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ExtractThread, extractArchive, hashFile } from '../../../src/archive/index.ts'
import { fromWire, toWire } from '../../../src/archive/extract-wire.ts'
import { ZoiError, isZoiError } from '../../../src/errors.ts'
import { listTree, makeSandbox, makeTar, zstd } from '../../support/make-archive.ts'

const sandbox = makeSandbox()
afterAll(sandbox.cleanup)

async function archive(name: string, extra: { name: string; content: string }[] = []): Promise<string> {
  const path = join(sandbox.dir, name)
  const tar = await makeTar([
    { name: 'data/pkgstore/bin/tool', content: randomBytes(9_000_000), mode: 0o755 },
    { name: 'data/pkgstore/share/private', content: 'p', mode: 0o600 },
    ...extra,
  ])
  writeFileSync(path, zstd(tar))
  return path
}

function started(): ExtractThread {
  const thread = ExtractThread.start()
  if (thread === null) throw new Error('this runtime starts workers: ExtractThread.start() must not be null here')
  return thread
}

test('an archive extracted on the thread is the archive extracted here: files, modes, hashes, digest, progress', async () => {
  const path = await archive('same.pkg.tar.zst')
  const thread = started()
  try {
    const progress: number[] = []
    const there = await thread.extract(path, join(sandbox.dir, 'there'), { fileHashes: true, hash: 'sha512', onProgress: (b) => progress.push(b) })
    const here = await extractArchive(path, join(sandbox.dir, 'here'), { fileHashes: true, hash: 'sha512' })
    expect(there).toEqual(here)
    expect(there.digest).toBe(await hashFile(path, 'sha512'))
    expect(listTree(join(sandbox.dir, 'there'))).toEqual(listTree(join(sandbox.dir, 'here')))
    // Progress crosses threads now and then, and ends at the total.
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.at(-1)).toBe(here.bytes)
  } finally {
    thread.close()
  }
})

test('errors on the thread arrive as they were, and the destination is gone; the thread goes on with the next job', async () => {
  const thread = started()
  try {
    const bad = await archive('bad.pkg.tar.zst', [{ name: 'data/pkgstore/../../escaped', content: 'x' }])
    const dest = join(sandbox.dir, 'bad')
    const hostile = await thread.extract(bad, dest).catch((e: unknown) => e)
    expect(isZoiError(hostile, 'UNSAFE_PATH')).toBe(true)
    expect(String((hostile as Error).message)).toContain(bad)
    expect(existsSync(dest)).toBe(false)

    const good = await archive('good.pkg.tar.zst')
    const mismatch = await thread.extract(good, join(sandbox.dir, 'mismatch'), { expect: { algorithm: 'sha512', hex: '00'.repeat(64), source: 'good.hash' } }).catch((e: unknown) => e)
    expect(isZoiError(mismatch, 'INTEGRITY')).toBe(true)
    expect((mismatch as ZoiError).data?.actual).toBe(await hashFile(good, 'sha512'))
    expect(existsSync(join(sandbox.dir, 'mismatch'))).toBe(false)

    const after = await thread.extract(good, join(sandbox.dir, 'after'))
    expect(after.entries.map((e) => e.path)).toEqual(['data/pkgstore/bin/tool', 'data/pkgstore/share/private'])
  } finally {
    thread.close()
  }
})

test('jobs given at once run one after the other, each with its own result', async () => {
  const [a, b] = [await archive('one.pkg.tar.zst'), await archive('two.pkg.tar.zst')]
  const thread = started()
  try {
    const [one, two] = await Promise.all([thread.extract(a, join(sandbox.dir, 'one'), { hash: 'sha256' }), thread.extract(b, join(sandbox.dir, 'two'), { hash: 'sha256' })])
    expect([one.digest, two.digest]).toEqual([await hashFile(a, 'sha256'), await hashFile(b, 'sha256')])
  } finally {
    thread.close()
  }
})

test('a closed thread refuses work with an INTERNAL error, never a hang', async () => {
  const thread = started()
  thread.close()
  const e = await thread.extract(await archive('late.pkg.tar.zst'), join(sandbox.dir, 'late')).catch((err: unknown) => err)
  expect(isZoiError(e, 'INTERNAL')).toBe(true)
})

test('a system error under a ZoiError crosses with its errno and path (a full disk is still ENOSPC)', () => {
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/root/x' })
  const wrapped = new ZoiError('INTERNAL', 'a.pkg.tar.zst: extraction failed', { hint: 'free space', data: { n: 1, fn: () => 1 }, cause: full })
  const back = fromWire(toWire(wrapped)) as ZoiError
  expect(back).toBeInstanceOf(ZoiError)
  expect(back).toMatchObject({ code: 'INTERNAL', message: 'a.pkg.tar.zst: extraction failed', hint: 'free space' })
  // Data that cannot be cloned is dropped whole rather than half.
  expect(back.data).toEqual({})
  expect(back.cause).toMatchObject({ code: 'ENOSPC', path: '/root/x', message: full.message })
})

test('a thread whose worker dies, or never loads, extracts on the calling thread instead: the same result, nothing half-written left', async () => {
  const path = await archive('fallback.pkg.tar.zst')
  const here = await extractArchive(path, join(sandbox.dir, 'fallback-here'), { fileHashes: true })
  for (const entry of [join(import.meta.dir, '../../support/dying-worker.ts'), join(sandbox.dir, 'no-such-worker.ts')]) {
    const thread = ExtractThread.start(entry)
    if (thread === null) continue // a runtime that refuses the worker outright: the caller extracts here anyway
    try {
      const dest = join(sandbox.dir, `fallback-${entry.endsWith('dying-worker.ts') ? 'dies' : 'missing'}`)
      const progress: number[] = []
      expect(await thread.extract(path, dest, { fileHashes: true, onProgress: (b) => progress.push(b) })).toEqual(here)
      expect(listTree(dest)).toEqual(listTree(join(sandbox.dir, 'fallback-here')))
      expect(progress.at(-1)).toBe(here.bytes)
      // And the next job too.
      expect((await thread.extract(path, `${dest}-again`)).entries).toEqual(here.entries)
    } finally {
      thread.close()
    }
  }
})
