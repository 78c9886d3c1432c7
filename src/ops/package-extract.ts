/**
 * `zoi package extract <archive> <dir>`: unpack an archive with every safety check, nothing
 * installed. A `.zpa` is unpacked as it is (manifest.json, pool/), but its manifest must pass the
 * same destination checks as at install time, or nothing is left behind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { extractArchive, parseZpaManifest } from '../archive/index.ts'
import { ZoiError } from '../errors.ts'

export async function extractTo(archive: string, dir: string): Promise<{ entries: number; bytes: number; dir: string }> {
  const src = resolve(archive)
  const dest = resolve(dir)
  if (!existsSync(src)) throw new ZoiError('NOT_FOUND', `archive '${archive}' does not exist`)
  if (existsSync(dest) && readdirSync(dest).length > 0) {
    throw new ZoiError('REFUSED', `'${dir}' is not empty`, { hint: 'extract into a new or empty folder' })
  }
  const r = await extractArchive(src, dest)
  const manifest = join(dest, 'manifest.json')
  if (existsSync(manifest)) {
    try {
      parseZpaManifest(readFileSync(manifest, 'utf8'), src)
    } catch (e) {
      await rm(dest, { recursive: true, force: true })
      throw e
    }
  }
  return { entries: r.entries.length, bytes: r.bytes, dir: dest }
}
