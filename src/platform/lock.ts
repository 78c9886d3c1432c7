/**
 * One lock per root: an O_EXCL lock file naming its owner (as libalpm does), with enough to
 * recognise that owner later: its PID, its start time and boot id from /proc, and its command.
 * A PID alone is not enough: after a crash and a reboot the PID may belong to some other live
 * process (sshd, a shell), and a lock that trusted it would wedge the root forever. So a lock
 * is held only while the process it names is alive AND is the same process (same start time in
 * the same boot; without /proc, the same command); anything else is stale and taken over.
 * A live owner is exit 7 naming the file, the process, and how to clear a lock by hand.
 */
// Synchronous calls: the lock file is a few bytes, taken at the start of every command that
// changes something, and an awaited call costs a thread-pool round trip each.
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { ZoiError, errnoCode } from '../errors.ts'
import { readTextIfAny } from './fs.ts'

export interface Lock {
  readonly file: string
  release(): Promise<void>
}

/** Who holds a lock: what the file records, or what /proc says about a live PID. */
export interface LockOwner {
  pid: number
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot; unique per boot with the PID. */
  start?: string
  boot?: string
  command?: string
}

/** Whether a process with this PID exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return errnoCode(e) === 'EPERM'
  }
}

/** What /proc knows about `pid` (nothing on systems without /proc). */
export function describeProcess(pid: number): LockOwner {
  const owner: LockOwner = { pid }
  const stat = readTextIfAny(`/proc/${pid}/stat`)
  // The command name in field 2 may hold spaces and parentheses: fields resume after the last ')'.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')
  if (fields && fields.length > 19) owner.start = fields[19]
  const boot = readTextIfAny('/proc/sys/kernel/random/boot_id')?.trim()
  if (boot) owner.boot = boot
  const command = readTextIfAny(`/proc/${pid}/comm`)?.trim()
  if (command) owner.command = command
  return owner
}

/** `pid: 42` lines; a bare number is the older format (PID only). */
export function parseLockFile(text: string): LockOwner {
  const trimmed = text.trim()
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) }
  const fields = Object.fromEntries(trimmed.split('\n').map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]))
  const owner: LockOwner = { pid: Number(fields.pid) }
  if (fields.start) owner.start = fields.start
  if (fields.boot) owner.boot = fields.boot
  if (fields.command) owner.command = fields.command
  return owner
}

export function formatLockFile(o: LockOwner): string {
  return `pid: ${o.pid}\n${o.start ? `start: ${o.start}\n` : ''}${o.boot ? `boot: ${o.boot}\n` : ''}${o.command ? `command: ${o.command}\n` : ''}`
}

/**
 * Whether the process a lock file names still holds it. The strongest evidence available
 * decides: start time and boot id when both sides have them, else the command name.
 */
export function ownerHoldsLock(recorded: LockOwner, live: LockOwner | undefined, self: LockOwner): boolean {
  if (!live || !processAlive(recorded.pid)) return false
  if (recorded.start && live.start) return recorded.start === live.start && (!recorded.boot || !live.boot || recorded.boot === live.boot)
  // An old PID-only lock: held only by a process running the same program as this one.
  const expected = recorded.command ?? self.command
  return expected === undefined || live.command === undefined || live.command === expected
}

export async function acquireLock(file: string): Promise<Lock> {
  try {
    mkdirSync(dirname(file), { recursive: true })
  } catch (e) {
    throw new ZoiError('PERMISSION', `cannot create ${dirname(file)}: ${errnoCode(e) ?? e}`)
  }
  const self = describeProcess(process.pid)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      try {
        writeFileSync(fd, formatLockFile(self))
      } finally {
        closeSync(fd)
      }
      let released = false
      return {
        file,
        async release() {
          if (released) return
          released = true
          rmSync(file, { force: true })
        },
      }
    } catch (e) {
      const code = errnoCode(e)
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
        throw new ZoiError('PERMISSION', `cannot write the lock file ${file}: ${code}`, { hint: 'run as a user who can write there, or use --root on a writable directory' })
      }
      if (code !== 'EEXIST') throw e
      const recorded = parseLockFile(readTextIfAny(file) ?? '')
      const live = processAlive(recorded.pid) ? describeProcess(recorded.pid) : undefined
      if (recorded.pid !== process.pid && ownerHoldsLock(recorded, live, self)) {
        throw new ZoiError('LOCKED', `${file} is held by process ${recorded.pid}${recorded.command ? ` (${recorded.command})` : ''}`, {
          hint: `another zoi is changing this root; wait for it to finish. If process ${recorded.pid} is not a zoi (check: ps -p ${recorded.pid}), remove the lock: rm '${file}'`,
          data: { file, pid: recorded.pid },
        })
      }
      // The owner is gone, or the PID now belongs to another process: the lock is stale.
      rmSync(file, { force: true })
    }
  }
  throw new ZoiError('LOCKED', `could not take the lock ${file}`, { hint: `if no zoi is running, remove it: rm '${file}'` })
}

/** Run `fn` while holding the lock; the lock is released however `fn` ends. */
export async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(file)
  try {
    return await fn()
  } finally {
    await lock.release()
  }
}

