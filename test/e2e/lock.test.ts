/**
 * The root lock with the compiled binary: a lock file left behind whose PID now belongs to a
 * live process that is not zoi (a reboot reused it) must not wedge the root; a live owner is
 * exit 7 with the way to clear the lock.
 */
import { afterAll, expect, test } from 'bun:test'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describeProcess, formatLockFile } from '../../src/platform/lock.ts'
import { formatResult, makeTempDir, runZoi } from '../support/run-cli.ts'

const stranger = Bun.spawn(['sleep', '120'])
afterAll(() => stranger.kill())

function homeWithLock(content: string): { home: string; lock: string } {
  const home = makeTempDir()
  const lock = join(home, '.zoi/pkgs/lock')
  mkdirSync(join(home, '.zoi/pkgs'), { recursive: true })
  writeFileSync(lock, content)
  return { home, lock }
}

test('a lock file holding the PID of a live process that is not zoi is treated as stale', async () => {
  const { home, lock } = homeWithLock(`${stranger.pid}\n`)
  const r = await runZoi(['cache', 'clear'], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(existsSync(lock)).toBe(false)
})

test.skipIf(!existsSync('/proc/self/stat'))('a lock whose recorded start time no longer matches its PID is stale (needs /proc)', async () => {
  const now = describeProcess(stranger.pid)
  const { home } = homeWithLock(formatLockFile({ ...now, start: String(Number(now.start) + 1), command: 'zoi' }))
  const r = await runZoi(['cache', 'clear'], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
})

test('a lock held by a live owner is exit 7 naming the file and how to clear it', async () => {
  const { home, lock } = homeWithLock(formatLockFile(describeProcess(stranger.pid)))
  const r = await runZoi(['cache', 'clear'], { home })
  expect(r.exitCode, formatResult(r)).toBe(7)
  expect(r.stderr).toContain(`${lock} is held by process ${stranger.pid}`)
  expect(r.stderr).toContain(`rm '${lock}'`)
  expect(existsSync(lock)).toBe(true)
})
