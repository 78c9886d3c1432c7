/**
 * Putting one archive into the mirror: `pkgs/{repo}/{os}/{arch}/{version}/<file>` with `.hash`,
 * `.size` and `.files` beside it, and the same four files hard-linked into the flat `archives/`
 * view. An archive whose SHA-512 equals the mirrored copy's `.hash` is not copied again.
 * Every file is written under a temporary name and renamed, so a reader (or a crash) never
 * sees a half-written archive under its real name.
 */
import { copyFile, link, mkdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { archiveFileList, hashFile, listArchive, parseFilesSidecar, parseHashSidecar, parseSizeSidecar } from '../archive/index.ts'
import { ZoiError } from '../errors.ts'
import { writeFileAtomic } from '../platform/fs.ts'
import { archiveRelPath, flatRelPath, SIDECAR_SUFFIXES, type MirroredArchive } from './mirror-layout.ts'

export interface PlacedArchive {
  /** Relative to the mirror root. */
  path: string
  sha512: string
  bytes: number
  copied: boolean
}

export async function placeArchive(root: string, a: MirroredArchive, source: string): Promise<PlacedArchive> {
  const rel = archiveRelPath(a)
  const dest = join(root, rel)
  const name = basename(dest)
  const sha512 = await hashFile(source, 'sha512')
  const claimed = await readText(`${source}.hash`)
  if (claimed !== undefined) {
    const expected = parseHashSidecar(claimed, { archiveName: name, source: `${source}.hash` })
    const actual = expected.algorithm === 'sha512' ? sha512 : await hashFile(source, 'sha256')
    if (expected.hex !== actual) throw new ZoiError('INTEGRITY', `${source} does not match its .hash sidecar`, { hint: 'rebuild or re-download it' })
  }
  const mirrored = await readText(`${dest}.hash`)
  const same = mirrored !== undefined && (await exists(dest)) && parseHashSidecar(mirrored, { archiveName: name }).hex === sha512
  if (!same) {
    await mkdir(dirname(dest), { recursive: true })
    const tmp = `${dest}.tmp-${process.pid}`
    try {
      await copyFile(source, tmp)
      await rename(tmp, dest)
    } catch (e) {
      await rm(tmp, { force: true })
      throw e
    }
    await writeSidecarsFor(source, dest, sha512)
  }
  await linkFlat(dest, join(root, flatRelPath(a)))
  return { path: rel, sha512, bytes: (await stat(dest)).size, copied: !same }
}

/**
 * `.hash` is always written from the hash just computed. `.size` and `.files` are copied when the
 * source has valid ones (a build wrote them), otherwise made from the archive's entries.
 */
async function writeSidecarsFor(source: string, dest: string, sha512: string): Promise<void> {
  await writeFileAtomic(`${dest}.hash`, `${sha512}  ${basename(dest)}\n`)
  let size = await readText(`${source}.size`)
  let files = await readText(`${source}.files`)
  if (size !== undefined) parseSizeSidecar(size, `${source}.size`)
  if (files !== undefined) parseFilesSidecar(files, `${source}.files`)
  if (size === undefined || files === undefined) {
    const entries = await listArchive(dest)
    const install = entries.filter((e) => e.type === 'file').reduce((sum, e) => sum + e.size, 0)
    size ??= `down: ${(await stat(dest)).size}\ninstall: ${install}\n`
    files ??= (await archiveFileList(dest, entries)).map((f) => `${f}\n`).join('')
  }
  await writeFileAtomic(`${dest}.size`, size)
  await writeFileAtomic(`${dest}.files`, files)
}

/** Hard links (a copy where the filesystem has none) of the archive and its sidecars. */
async function linkFlat(dest: string, flat: string): Promise<void> {
  await mkdir(dirname(flat), { recursive: true })
  for (const suffix of ['', ...SIDECAR_SUFFIXES]) {
    const from = dest + suffix
    const to = flat + suffix
    const [a, b] = await Promise.all([stat(from), stat(to).catch(() => undefined)])
    if (b && b.ino === a.ino && b.dev === a.dev) continue
    const tmp = `${to}.tmp-${process.pid}`
    await rm(tmp, { force: true })
    await link(from, tmp).catch(() => copyFile(from, tmp))
    await rename(tmp, to)
  }
}

async function readText(path: string): Promise<string | undefined> {
  return await readFile(path, 'utf8').catch(() => undefined)
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false
}
