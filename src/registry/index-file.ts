/**
 * A registry index file that was truncated or is not an index at all (a copy cut short, a
 * disk error) must be reported as such — exit 6 naming the file, with the rebuild command —
 * rather than failing later with "no such table" or a malformed-page error mid-command.
 * Checked from the SQLite header without opening the database.
 */
import { statSync } from 'node:fs'
import { ZoiError } from '../errors.ts'
import { readHead } from '../platform/fs.ts'

const MAGIC = 'SQLite format 3\0'

export function corruptIndex(file: string, why: string): ZoiError {
  return new ZoiError('INTEGRITY', `registry index ${file} is ${why}`, { hint: "run 'zoi sync --force' to rebuild it" })
}

/** Throws when `file` exists but is not a whole SQLite database. A missing file is fine. */
export function checkIndexFile(file: string): void {
  let size: number
  try {
    size = statSync(file).size
  } catch {
    return
  }
  if (size === 0) throw corruptIndex(file, 'empty')
  const header = readHead(file, 100)
  if (header.length < 100 || header.toString('latin1', 0, 16) !== MAGIC) throw corruptIndex(file, 'not a SQLite database')
  const raw = header.readUInt16BE(16)
  const pageSize = raw === 1 ? 65536 : raw
  const pages = header.readUInt32BE(28)
  // The header's page count is authoritative only when its change counters agree (SQLite format §1.3.7).
  const countValid = pages > 0 && header.readUInt32BE(24) === header.readUInt32BE(92)
  if (countValid && size < pageSize * pages && !walExists(file)) throw corruptIndex(file, `truncated (${size} of ${pageSize * pages} bytes)`)
}

function walExists(file: string): boolean {
  try {
    return statSync(`${file}-wal`).size > 0
  } catch {
    return false
  }
}
