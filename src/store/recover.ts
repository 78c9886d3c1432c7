/**
 * Crash recovery, run (under the root lock) at the start of every mutating operation. A journal
 * left behind means a change was interrupted: if its db transaction did not commit, its steps
 * are undone, so `list` never shows a half-installed package and nothing of it stays on disk;
 * if it did commit, its cleanup is finished. Leftover staging folders are removed.
 */
import { existsSync } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Layout } from '../platform/layout.ts'
import { silent, type Report } from '../progress.ts'
import { InstalledDb } from './installed-db.ts'
import { readJournals, removeJournal } from './journal.ts'
import { rollBack, rollForward } from './journal-steps.ts'

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
  return result
}

async function removeLeftovers(tmpDir: string): Promise<void> {
  if (!existsSync(tmpDir)) return
  for (const name of await readdir(tmpDir)) {
    if (name.startsWith(STAGE_PREFIX) || name.endsWith('.journal.tmp')) {
      await rm(join(tmpDir, name), { recursive: true, force: true })
    }
  }
}
