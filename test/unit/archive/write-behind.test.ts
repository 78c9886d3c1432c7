/**
 * A chunk of 256 KiB or more is written on the I/O pool while the main thread hashes it
 * (archive/extract.ts). A write that fails (the disk is full) while the reader waits for the
 * next chunk must fail the extraction like a synchronous one: its error, the destination
 * removed, and no unhandled rejection (which crashed the process with exit 1). `write` is made
 * to fail at once, before the next chunk can arrive, for a file that is being written behind.
 */
import { afterAll, expect, mock, test } from 'bun:test'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { makeSandbox, writeTarZst } from '../../support/make-archive.ts'

const sandbox = makeSandbox()
afterAll(sandbox.cleanup)

const realWrite = fs.write as (...args: unknown[]) => void
const realExists = fs.existsSync
let failWrites = false
let failed = 0
mock.module('node:fs', () => ({
  ...fs,
  write: (...args: unknown[]) => {
    const callback = args[args.length - 1] as (e: Error | null, n?: number) => void
    if (failWrites) {
      failed++
      const error = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' })
      process.nextTick(() => callback(error))
      return
    }
    return realWrite(...args)
  },
}))
const { extractArchive } = await import('../../../src/archive/extract.ts')

test('a write behind the hashing that fails is the extraction error, the destination is removed, nothing unhandled', async () => {
  const mib = new Uint8Array(1 << 20).fill(7)
  const archive = join(sandbox.dir, 'big.pkg.tar.zst')
  await writeTarZst(archive, [{ name: 'data/blob', stream: { size: 4 << 20, chunks: () => [mib, mib, mib, mib] } }])
  const dest = join(sandbox.dir, 'out')
  const unhandled: unknown[] = []
  const onUnhandled = (e: unknown) => unhandled.push(e)
  process.on('unhandledRejection', onUnhandled)
  failWrites = true
  try {
    const error = await extractArchive(archive, dest, { fileHashes: true }).then(() => undefined, (e: unknown) => e)
    expect(failed).toBeGreaterThan(0)
    expect(String(error)).toContain('ENOSPC')
    expect(realExists(dest)).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 50)) // a late rejection would surface by now
    expect(unhandled).toEqual([])
  } finally {
    failWrites = false
    process.off('unhandledRejection', onUnhandled)
  }
  // With writes working again, the same archive extracts whole.
  const { bytes } = await extractArchive(archive, join(sandbox.dir, 'again'))
  expect(bytes).toBe(4 << 20)
})
