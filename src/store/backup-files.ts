/**
 * `backup` files (configuration the user may edit), handled as pacman does: an upgrade never
 * overwrites a file the user changed (the new one lands beside it as `<file>.zoinew`), and an
 * uninstall keeps a changed file as `<file>.zoisave`. "Changed" means its content differs from
 * the sha256 recorded when zoi installed it.
 *
 * Entries are `${usrroot}/etc/x.conf`, `${usrhome}/.xrc`, `${pkgstore}/conf/x.toml`, or a bare
 * relative path, which matches that path in any of the three parts.
 */
import { copyFile, lstat, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { hashFile } from '../archive/hash-file.ts'
import type { Report } from '../progress.ts'
import type { OwnedFile } from './installed-schema.ts'
import type { StagedEntry } from './staged-archive.ts'

export type PartKind = 'pkgstore' | 'usrroot' | 'usrhome'

export function isBackupFile(backup: readonly string[], kind: PartKind, rel: string): boolean {
  return backup.some((entry) => {
    const placeholder = /^\$\{(pkgstore|usrroot|usrhome)\}\/+(.*)$/.exec(entry)
    if (placeholder) return placeholder[1] === kind && placeholder[2] === rel
    return entry.replace(/^\/+/, '') === rel
  })
}

/** sha256 of a regular file; null when it is missing or not a regular file. */
export async function contentHash(path: string): Promise<string | null> {
  const st = await lstat(path).catch(() => null)
  return st?.isFile() ? hashFile(path, 'sha256') : null
}

/**
 * What to do with an installed backup file that a new version ships again:
 * `replace` it, `keep` the user's file (the new one brings nothing new), or keep it and put the
 * new one beside it as `.zoinew`.
 */
export function decideBackup(current: string | null, recorded: string | null, incoming: string): 'replace' | 'keep' | 'zoinew' {
  // Not recorded as a backup file before, missing, or unchanged by the user: just replace it.
  if (recorded === null || current === null || current === recorded || current === incoming) return 'replace'
  return incoming === recorded ? 'keep' : 'zoinew'
}

/**
 * Before the new version folder moves into the store: carry the user's edits of `${pkgstore}`
 * backup files over from the installed version folder. Returns the package's own hash of every
 * backup file (what the db records), by path inside the version folder.
 */
export async function carryStoreBackups(options: {
  backup: readonly string[]
  staged: readonly StagedEntry[]
  oldVersionDir: string | null
  oldFiles: ReadonlyMap<string, OwnedFile>
  oldPrefix: string
  report: Report
}): Promise<Map<string, string>> {
  const hashes = new Map<string, string>()
  for (const entry of options.staged) {
    if (entry.type !== 'file' || !isBackupFile(options.backup, 'pkgstore', entry.rel)) continue
    const incoming = await hashFile(entry.src, 'sha256')
    hashes.set(entry.rel, incoming)
    if (options.oldVersionDir === null) continue
    const old = join(options.oldVersionDir, entry.rel)
    const recorded = options.oldFiles.get(`pkgstore/${options.oldPrefix}/${entry.rel}`)?.hash ?? null
    const decision = decideBackup(await contentHash(old), recorded, incoming)
    if (decision === 'replace') continue
    if (decision === 'zoinew') {
      await rename(entry.src, `${entry.src}.zoinew`)
      options.report({ kind: 'warn', text: `${entry.rel} was modified: the new version is saved as ${entry.rel}.zoinew` })
    }
    await copyFile(old, entry.src)
  }
  return hashes
}
