import { expect, test } from 'bun:test'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ZoiError } from '../../../src/errors.ts'
import { makeStagingDir, swapDirectory, writeFileAtomic } from '../../../src/platform/fs.ts'
import { acquireLock, withLock } from '../../../src/platform/lock.ts'
import { makeTempDir } from '../../support/run-cli.ts'

test('a held lock refuses a second taker with exit 7 naming the owner', async () => {
  const file = join(makeTempDir(), 'deep', 'lock')
  const held = await acquireLock(file)
  expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`)
  // Simulate another live process owning it: PID 1 always exists.
  writeFileSync(file, '1\n')
  let err: unknown
  try {
    await acquireLock(file)
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(ZoiError)
  expect((err as ZoiError).exitCode).toBe(7)
  expect((err as ZoiError).message).toBe(`${file} is held by process 1`)
  await held.release()
  expect(existsSync(file)).toBe(false)
})

test('a stale lock left by a dead process is taken over', async () => {
  const file = join(makeTempDir(), 'lock')
  const dead = Bun.spawnSync(['true']).pid // exited already
  writeFileSync(file, `${dead}\n`)
  const lock = await acquireLock(file)
  expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`)
  await lock.release()
})

test('withLock releases on failure', async () => {
  const file = join(makeTempDir(), 'lock')
  await expect(withLock(file, async () => { throw new Error('boom') })).rejects.toThrow('boom')
  expect(existsSync(file)).toBe(false)
})

test('writeFileAtomic leaves no temp files', async () => {
  const dir = makeTempDir()
  await writeFileAtomic(join(dir, 'a', 'f.txt'), 'one')
  await writeFileAtomic(join(dir, 'a', 'f.txt'), 'two')
  expect(readFileSync(join(dir, 'a', 'f.txt'), 'utf8')).toBe('two')
  expect(new Bun.Glob('**/*.tmp-*').scanSync(dir).next().done).toBe(true)
})

test('swapDirectory replaces a folder and works when the target is missing', async () => {
  const dir = makeTempDir()
  const target = join(dir, 'reg')
  const first = await makeStagingDir(dir, '.new-')
  writeFileSync(join(first, 'v'), '1')
  await swapDirectory(first, target)
  expect(readFileSync(join(target, 'v'), 'utf8')).toBe('1')
  const second = await makeStagingDir(dir, '.new-')
  writeFileSync(join(second, 'v'), '2')
  await swapDirectory(second, target)
  expect(readFileSync(join(target, 'v'), 'utf8')).toBe('2')
  expect(existsSync(first)).toBe(false)
  expect(new Bun.Glob('*.old-*').scanSync(dir).next().done).toBe(true)
})
