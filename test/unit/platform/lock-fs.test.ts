import { expect, test } from 'bun:test'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeStagingDir, swapDirectory, writeFileAtomic } from '../../../src/platform/fs.ts'
import { acquireLock, describeProcess, formatLockFile, parseLockFile, withLock } from '../../../src/platform/lock.ts'
import { zoiFailure } from '../../support/expect-error.ts'
import { makeTempDir } from '../../support/run-cli.ts'

/** A live process that is not this one (and not a zoi): `sleep`, stopped at the end of the test. */
function liveStranger(): { pid: number; stop(): void } {
  const child = Bun.spawn(['sleep', '60'])
  return { pid: child.pid, stop: () => child.kill() }
}

test('a held lock refuses a second taker with exit 7 naming the owner and how to clear it', async () => {
  const file = join(makeTempDir(), 'deep', 'lock')
  const held = await acquireLock(file)
  expect(parseLockFile(readFileSync(file, 'utf8')).pid).toBe(process.pid)
  // Another live zoi owning it: a process whose start time and command match what the lock records.
  const other = liveStranger()
  try {
    writeFileSync(file, formatLockFile(describeProcess(other.pid)))
    const e = await zoiFailure(acquireLock(file))
    expect(e.exitCode).toBe(7)
    expect(e.message).toBe(`${file} is held by process ${other.pid} (sleep)`)
    expect(e.hint).toContain(`rm '${file}'`)
  } finally {
    other.stop()
  }
  await held.release()
  expect(existsSync(file)).toBe(false)
})

test('a stale lock left by a dead process is taken over', async () => {
  const file = join(makeTempDir(), 'lock')
  const dead = Bun.spawnSync(['true']).pid // exited already
  writeFileSync(file, `${dead}\n`)
  const lock = await acquireLock(file)
  expect(parseLockFile(readFileSync(file, 'utf8')).pid).toBe(process.pid)
  await lock.release()
})

test.skipIf(!existsSync('/proc/self/stat'))('a lock naming the PID of a live process that is not zoi is stale and taken over (needs /proc)', async () => {
  const stranger = liveStranger()
  try {
    // The PID was reused: same number, but another start time than the lock recorded.
    const file = join(makeTempDir(), 'lock')
    const now = describeProcess(stranger.pid)
    writeFileSync(file, formatLockFile({ ...now, start: String(Number(now.start) + 12345), command: 'zoi' }))
    const lock = await acquireLock(file)
    expect(parseLockFile(readFileSync(file, 'utf8')).pid).toBe(process.pid)
    await lock.release()
    // An old PID-only lock whose PID is now a different program.
    writeFileSync(file, `${stranger.pid}\n`)
    const again = await acquireLock(file)
    await again.release()
  } finally {
    stranger.stop()
  }
})

test('the lock file records PID, start time, boot and command', () => {
  const me = describeProcess(process.pid)
  expect(parseLockFile(formatLockFile(me))).toEqual(me)
  expect(parseLockFile('42\n')).toEqual({ pid: 42 })
  if (existsSync('/proc/self/stat')) expect(me.start).toMatch(/^\d+$/)
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
