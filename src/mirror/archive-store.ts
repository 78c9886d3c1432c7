/**
 * Putting one archive into the mirror: `pkgs/{repo}/{os}/{arch}/{version}/<file>` with `.hash`,
 * `.size` and `.files` beside it, and the same four files hard-linked into the flat `archives/`
 * view. An archive whose SHA-512 equals the mirrored copy's `.hash` is not copied again.
 *
 * Crash safety (a SIGKILL at any point must not wedge the next run): every file is written
 * under a hidden temporary name (never served, never in the manifest) and renamed; the `.hash`
 * is the commit marker of an archive — removed before the archive is replaced, written after
 * the archive and its other sidecars — so a `.hash` always describes the archive beside it.
 * An archive found without its full set of sidecars is hashed again and the set rewritten.
 */
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { archiveFileList, hashFile, listArchive, parseFilesSidecar, parseHashSidecar, parseSizeSidecar } from '../archive/index.ts'
import { ZoiError } from '../errors.ts'
import { copyFileAtomic, hiddenTemp, TEMP_NAME, writeFileAtomic } from '../platform/fs.ts'
import { archiveRelPath, FLAT_DIR, flatRelPath, PKGS_DIR, REGISTRY_GIT, SIDECAR_SUFFIXES, STATE_DIR, type MirroredArchive } from './mirror-layout.ts'

export interface PlacedArchive {
  /** Relative to the mirror root. */
  path: string
  sha512: string
  bytes: number
  copied: boolean
}

/**
 * `source` may be the mirrored file itself: that re-hashes it and repairs its sidecars (what a
 * run does with an archive a crash left without them).
 */
export async function placeArchive(root: string, a: MirroredArchive, source: string): Promise<PlacedArchive> {
  const rel = archiveRelPath(a)
  const dest = join(root, rel)
  const name = basename(dest)
  const inPlace = resolve(source) === resolve(dest)
  const sha512 = await hashFile(source, 'sha512')
  const claimed = inPlace ? undefined : await readText(`${source}.hash`)
  if (claimed !== undefined) {
    const expected = parseHashSidecar(claimed, { archiveName: name, source: `${source}.hash` })
    const actual = expected.algorithm === 'sha512' ? sha512 : await hashFile(source, 'sha256')
    if (expected.hex !== actual) throw new ZoiError('INTEGRITY', `${source} does not match its .hash sidecar`, { hint: 'rebuild or re-download it' })
  }
  const same = inPlace || ((await mirroredHash(dest)) === sha512 && (await exists(dest)))
  if (!same) {
    await rm(`${dest}.hash`, { force: true })
    await mkdir(dirname(dest), { recursive: true })
    await copyFileAtomic(source, dest, hiddenTemp(dest))
  }
  const repair = same && !(await archiveComplete(dest))
  if (!same || repair || inPlace) await writeSidecarsFor(inPlace ? dest : source, dest, sha512)
  if (!inPlace) await copySignature(source, dest)
  await linkFlat(dest, join(root, flatRelPath(a)))
  return { path: rel, sha512, bytes: (await stat(dest)).size, copied: !same }
}

/** The archive and all three sidecars are there (the `.hash`, written last, says it is whole). */
export async function archiveComplete(path: string): Promise<boolean> {
  const present = await Promise.all(['', ...SIDECAR_SUFFIXES].map((s) => exists(path + s)))
  return present.every(Boolean)
}

/** An archive already complete in the mirror: only its flat view is checked (no hashing). */
export async function keepArchive(root: string, a: MirroredArchive): Promise<void> {
  await linkFlat(join(root, archiveRelPath(a)), join(root, flatRelPath(a)))
}

/**
 * Temporary files a killed run left in `pkgs/`, `archives/`, the root (manifests), `.zoi/` and
 * `registry.git` (cheap to walk: every run packs its loose objects). The caller holds the
 * mirror's lock, so no other run is writing them.
 */
export async function sweepTemporaries(root: string): Promise<number> {
  let removed = 0
  const swept = [[PKGS_DIR, true], [FLAT_DIR, true], ['', false], [STATE_DIR, false], [REGISTRY_GIT, true]] as const
  for (const [top, recursive] of swept) {
    const entries = await readdir(join(root, top), { recursive, withFileTypes: true }).catch(() => [])
    for (const e of entries) {
      if (!e.isFile() || !TEMP_NAME.test(e.name)) continue
      await rm(join(e.parentPath, e.name), { force: true })
      removed++
    }
  }
  return removed
}

/**
 * `.size` and `.files` are copied when the source has valid ones (a build wrote them), otherwise
 * made from the archive's entries; `.hash` comes last, from the hash just computed.
 */
async function writeSidecarsFor(source: string, dest: string, sha512: string): Promise<void> {
  let size = await readValid(`${source}.size`, parseSizeSidecar)
  let files = await readValid(`${source}.files`, parseFilesSidecar)
  if (size === undefined || files === undefined) {
    const entries = await listArchive(dest)
    const install = entries.filter((e) => e.type === 'file').reduce((sum, e) => sum + e.size, 0)
    size ??= `down: ${(await stat(dest)).size}\ninstall: ${install}\n`
    files ??= (await archiveFileList(dest, entries)).map((f) => `${f}\n`).join('')
  }
  await writeFileAtomic(`${dest}.size`, size)
  await writeFileAtomic(`${dest}.files`, files)
  await writeFileAtomic(`${dest}.hash`, `${sha512}  ${basename(dest)}\n`)
}

/**
 * The detached `.sig` beside the source (pkg-dir, cache) is served beside the mirrored archive,
 * so clients with trust anchors can fetch it from the mirror (`<archive URL>.sig`).
 */
async function copySignature(source: string, dest: string): Promise<void> {
  const sig = await readFile(`${source}.sig`).catch(() => undefined)
  if (sig === undefined) return
  const mirrored = await readFile(`${dest}.sig`).catch(() => undefined)
  if (mirrored === undefined || !Buffer.from(mirrored).equals(Buffer.from(sig))) await writeFileAtomic(`${dest}.sig`, sig)
}

/** Hard links (a copy where the filesystem has none) of the archive, its sidecars and `.sig`. */
async function linkFlat(dest: string, flat: string): Promise<void> {
  await mkdir(dirname(flat), { recursive: true })
  const sig = (await exists(`${dest}.sig`)) ? ['.sig'] : []
  for (const suffix of ['', ...SIDECAR_SUFFIXES, ...sig]) {
    const from = dest + suffix
    const to = flat + suffix
    const [a, b] = await Promise.all([stat(from), stat(to).catch(() => undefined)])
    if (b && b.ino === a.ino && b.dev === a.dev) continue
    const tmp = hiddenTemp(to)
    await link(from, tmp).catch(() => copyFile(from, tmp))
    await rename(tmp, to)
  }
}

async function mirroredHash(dest: string): Promise<string | undefined> {
  const text = await readText(`${dest}.hash`)
  try {
    return text === undefined ? undefined : parseHashSidecar(text, { archiveName: basename(dest) }).hex
  } catch {
    return undefined
  }
}

async function readValid(path: string, parse: (text: string, source: string) => unknown): Promise<string | undefined> {
  const text = await readText(path)
  if (text === undefined) return undefined
  try {
    parse(text, path)
    return text
  } catch {
    return undefined
  }
}

async function readText(path: string): Promise<string | undefined> {
  return await readFile(path, 'utf8').catch(() => undefined)
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false
}
