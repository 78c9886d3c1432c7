/**
 * One lock per root: an O_EXCL lock file holding the owner's PID (as libalpm does). A lock
 * left by a process that no longer exists (SIGKILL, power loss) is taken over, so a crash
 * never wedges the root; a live owner is exit 7 naming the file and the PID.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ZoiError, errnoCode } from '../errors.ts'

export interface Lock {
  readonly file: string
  release(): Promise<void>
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

export async function acquireLock(file: string): Promise<Lock> {
  await mkdir(dirname(file), { recursive: true }).catch((e) => {
    throw new ZoiError('PERMISSION', `cannot create ${dirname(file)}: ${errnoCode(e) ?? e}`)
  })
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, 'wx')
      await fh.writeFile(`${process.pid}\n`)
      await fh.close()
      let released = false
      return {
        file,
        async release() {
          if (released) return
          released = true
          await rm(file, { force: true })
        },
      }
    } catch (e) {
      const code = errnoCode(e)
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
        throw new ZoiError('PERMISSION', `cannot write the lock file ${file}: ${code}`, { hint: 'run as a user who can write there, or use --root on a writable directory' })
      }
      if (code !== 'EEXIST') throw e
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim())
      if (processAlive(owner) && owner !== process.pid) {
        throw new ZoiError('LOCKED', `${file} is held by process ${owner}`, { hint: 'another zoi is changing this root; wait for it to finish' })
      }
      // The owner is gone: its lock is stale.
      await rm(file, { force: true })
    }
  }
  throw new ZoiError('LOCKED', `could not take the lock ${file}`)
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
