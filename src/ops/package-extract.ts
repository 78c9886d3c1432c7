/** `zoi package extract <archive> <dir>`: unpack an archive with every safety check, nothing installed. */
import { existsSync, readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { extractArchive } from '../archive/index.ts'
import { ZoiError } from '../errors.ts'

export async function extractTo(archive: string, dir: string): Promise<{ entries: number; bytes: number; dir: string }> {
  const src = resolve(archive)
  const dest = resolve(dir)
  if (!existsSync(src)) throw new ZoiError('NOT_FOUND', `archive '${archive}' does not exist`)
  if (existsSync(dest) && readdirSync(dest).length > 0) {
    throw new ZoiError('REFUSED', `'${dir}' is not empty`, { hint: 'extract into a new or empty folder' })
  }
  const r = await extractArchive(src, dest)
  return { entries: r.entries.length, bytes: r.bytes, dir: dest }
}
