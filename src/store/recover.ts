/**
 * Crash recovery, run (under the root lock) at the start of every mutating operation, and
 * before reads (`settleForRead`). A journal left behind means a change was interrupted: if its
 * db transaction did not commit, its steps are undone, so `list` never shows a half-installed
 * package and nothing of it stays on disk; if it did commit, its cleanup is finished. Leftover
 * staging folders are removed, and a lost db is rebuilt from the store manifests.
 */
import { accessSync, constants, existsSync } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ZoiError, isZoiError } from '../errors.ts'
import type { Layout } from '../platform/layout.ts'
import { acquireLock } from '../platform/lock.ts'
import { silent, type Report } from '../progress.ts'
import { InstalledDb } from './installed-db.ts'
import { readJournals, removeJournal } from './journal.ts'
import { rollBack, rollForward } from './journal-steps.ts'
import { dbIsLost, rebuildLostDb, storeManifests } from './rebuild-db.ts'

/** Prefix of the staging folders installs extract into (inside `layout.tmpDir`). */
export const STAGE_PREFIX = 'stage-'

export interface RecoveryResult {
  /** Subjects of interrupted changes that were undone. */
  rolledBack: string[]
  /** Subjects of committed changes whose cleanup was finished. */
  completed: string[]
}

export async function recoverInterrupted(layout: Layout, report: Report = silent): Promise<RecoveryResult> {
  const result: RecoveryResult = { rolledBack: [], completed: [] }
  const journals = await readJournals(layout)
  if (journals.length > 0) {
    const db = InstalledDb.open(layout.installedDb)
    try {
      for (const journal of journals) {
        const present = journal.action === 'change' ? db.hasCommitted(journal.txid) : db.hasTransaction(journal.txid)
        const committed = journal.action === 'remove' ? !present : present
        if (committed) {
          await rollForward(journal)
          result.completed.push(journal.subject)
        } else {
          await rollBack(journal)
          result.rolledBack.push(journal.subject)
          report({ kind: 'warn', text: `undid the interrupted ${journal.action} of ${journal.subject}` })
        }
        // Only now: until the journal is gone, a second crash re-runs the same (idempotent) repair.
        await removeJournal(layout, journal)
      }
    } finally {
      db.close()
    }
  }
  await removeLeftovers(layout.tmpDir)
  await rebuildLostDb(layout, report)
  return result
}

/**
 * Before a read (`list`, `files`, …): an interrupted change is recovered first, so a read never
 * reports an old version over a mix of old and new files, and a lost db is rebuilt. When
 * another zoi holds the lock its change is in progress (the db shows what has committed); when
 * the root is read-only the read goes ahead with a warning, or fails if the db is lost.
 */
export async function settleForRead(layout: Layout, report: Report = silent): Promise<void> {
  const pending = (await readJournals(layout)).length > 0
  const lost = dbIsLost(layout)
  if (!pending && !lost) return
  if (!canWrite(layout)) {
    if (lost && !pending) {
      throw new ZoiError('INTEGRITY', `${layout.installedDb} records no package, but the store holds ${storeManifests(layout).length}`, {
        hint: `run 'zoi list' as a user who can write ${layout.dbDir}: it rebuilds the record from the store manifests`,
      })
    }
    report({ kind: 'warn', text: `a change to this root was interrupted (journal in ${layout.tmpDir}) and cannot be finished read-only: files may mix old and new versions; run zoi as a user who can write here to finish it` })
    return
  }
  let lock
  try {
    lock = await acquireLock(layout.lockFile)
  } catch (e) {
    if (isZoiError(e, 'LOCKED')) return
    throw e
  }
  try {
    await recoverInterrupted(layout, report)
  } finally {
    await lock.release()
  }
}

function canWrite(layout: Layout): boolean {
  try {
    for (const dir of [layout.dbDir, layout.tmpDir]) if (existsSync(dir)) accessSync(dir, constants.W_OK)
    return true
  } catch {
    return false
  }
}

async function removeLeftovers(tmpDir: string): Promise<void> {
  if (!existsSync(tmpDir)) return
  for (const name of await readdir(tmpDir)) {
    if (name.startsWith(STAGE_PREFIX) || name.endsWith('.journal.tmp')) {
      await rm(join(tmpDir, name), { recursive: true, force: true })
    }
  }
}
