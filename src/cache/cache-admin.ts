/**
 * `zoi cache add | ls | clear` (SPEC §8). `add` validates before it copies (FIX: Zoi's was a blind
 * copy) and writes `.hash`, `.size` and `.files` beside each archive, so the cache describes
 * itself and verifies offline. `clear` removes only what belongs to archives, never other files.
 */
import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { archiveFileList, hashFile, listArchive, sidecarPaths, type ArchiveEntry } from '../archive/index.ts'
import { ZoiError, describeError, errnoCode, isZoiError, type ErrorCode } from '../errors.ts'
import { writeFileAtomic } from '../platform/fs.ts'
import type { Report } from '../progress.ts'
import { ARCHIVE_SUFFIX, isCacheOwnedFile, parseArchiveName, type ArchiveName } from './archive-name.ts'
import { INCOMING_DIR } from './download.ts'
import { isRegularFile, readSidecars } from './locate.ts'
import { hasZstdMagic } from './verify.ts'

export interface AddedArchive extends ArchiveName {
  /** The file that was given. */
  source: string
  /** Where it now is in the cache. */
  path: string
  sha512: string
  /** A cached archive of the same name was replaced. */
  replaced: boolean
}

export interface CachedArchive extends ArchiveName {
  size: number
}

/** Problems of one given file; anything else (a cache that cannot be written) stops at once. */
const FILE_PROBLEMS: ErrorCode[] = ['NOT_FOUND', 'INTEGRITY', 'UNSAFE_PATH']

/**
 * Validate and copy each file into the cache. A bad file does not stop the others: every good
 * file is added, every bad one reported (a `warn` each), and then one error (exit 6, or 3 when
 * the only problem is missing files) lists them all, so one typo costs a single re-run.
 */
export async function addToCache(files: readonly string[], options: { cacheDir: string; report: Report }): Promise<AddedArchive[]> {
  const added: AddedArchive[] = []
  const rejected: { file: string; reason: string; code: ErrorCode }[] = []
  for (const file of files) {
    try {
      added.push(await addOne(file, options.cacheDir))
    } catch (e) {
      if (!isZoiError(e) || !FILE_PROBLEMS.includes(e.code)) throw e
      rejected.push({ file, reason: e.message, code: e.code })
      options.report({ kind: 'warn', text: `not added: ${e.message.split('\n')[0]}` })
    }
  }
  if (rejected.length > 0) {
    const code = rejected.every((r) => r.code === 'NOT_FOUND') ? 'NOT_FOUND' : 'INTEGRITY'
    // Each reason names its file already.
    const list = rejected.map((r) => `- ${r.reason.replaceAll('\n', '\n  ')}`).join('\n')
    throw new ZoiError(code, `${rejected.length} of ${files.length} files were not added to the cache${added.length ? ` (${added.length} added)` : ''}:\n${list}`, {
      hint: 'only zoi package archives can be added: <name>-<version>-<os>-<arch>.pkg.tar.zst or .zpa holding <name>.pkg.lua',
      data: { added, rejected },
    })
  }
  return added
}

async function addOne(file: string, cacheDir: string): Promise<AddedArchive> {
  const fileName = basename(file)
  if (!(await isRegularFile(file))) {
    const exists = await stat(file).then(() => true, () => false)
    throw new ZoiError(exists ? 'INTEGRITY' : 'NOT_FOUND', exists ? `'${file}' is not a regular file` : `no such file: '${file}'`)
  }
  if (!parseArchiveName(fileName)) {
    throw new ZoiError('INTEGRITY', `'${file}': the name does not follow <name>-<version>-<os>-<arch>${ARCHIVE_SUFFIX} (or .zpa)`)
  }
  const final = join(cacheDir, fileName)
  const tmp = `${final}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
  await mkdir(cacheDir, { recursive: true })
  try {
    // Validate the copy, not the original: what was checked is exactly what lands in the cache.
    await copyFile(file, tmp).catch((e: unknown) => {
      throw new ZoiError(errnoCode(e) === 'EACCES' ? 'PERMISSION' : 'INTERNAL', `cannot copy '${file}' into ${cacheDir}: ${describeError(e)}`)
    })
    const checked = await checkArchive(tmp, file, fileName)
    const replaced = await isRegularFile(final)
    // Sidecars first: the archive never sits in the cache without the facts that verify it.
    const s = sidecarPaths(final)
    await writeFileAtomic(s.hash, `${checked.sha512}  ${fileName}\n`)
    await writeFileAtomic(s.size, `down: ${checked.down}\ninstall: ${checked.install}\n`)
    await writeFileAtomic(s.files, checked.files.map((f) => `${f}\n`).join(''))
    // A detached signature beside travels with the archive (checked at install, against the
    // anchors of the archive's registry); a stale one from an earlier copy must not stay.
    if (await isRegularFile(`${file}.sig`)) await writeFileAtomic(`${final}.sig`, await readFile(`${file}.sig`))
    else await rm(`${final}.sig`, { force: true })
    await rename(tmp, final)
    return { ...checked.name, source: file, path: final, sha512: checked.sha512, replaced }
  } finally {
    await rm(tmp, { force: true })
  }
}

/** zstd magic, a readable tar, `<name>.pkg.lua` at the root, and the sidecars beside `original`. */
async function checkArchive(copy: string, original: string, fileName: string) {
  if (!(await hasZstdMagic(copy))) throw new ZoiError('INTEGRITY', `'${original}' is not a zstd archive (no magic 28 b5 2f fd)`)
  let entries: ArchiveEntry[]
  try {
    entries = await listArchive(copy)
  } catch (e) {
    if (!isZoiError(e)) throw e
    throw new ZoiError(e.code, e.message.replaceAll(copy, `'${original}'`), { cause: e })
  }
  const definitions = entries
    .filter((e) => e.type === 'file' && !e.path.includes('/') && e.path.endsWith('.pkg.lua'))
    .map((e) => e.path.slice(0, -'.pkg.lua'.length))
  const name = definitions.map((d) => parseArchiveName(fileName, d)).find((n) => n !== undefined)
  if (name === undefined) {
    const found = definitions.length ? `it holds ${definitions.map((d) => `${d}.pkg.lua`).join(', ')}` : 'it holds none'
    throw new ZoiError('INTEGRITY', `'${original}' has no <name>.pkg.lua at its root matching its file name (${found})`)
  }
  const beside = await readSidecars(original, fileName)
  const down = (await stat(copy)).size
  const sha512 = await hashFile(copy, 'sha512')
  if (beside.hash) {
    const actual = beside.hash.algorithm === 'sha512' ? sha512 : await hashFile(copy, beside.hash.algorithm)
    if (actual !== beside.hash.hex) {
      throw new ZoiError('INTEGRITY', `checksum mismatch for '${original}': ${original}.hash says ${beside.hash.algorithm} ${beside.hash.hex}, the file has ${actual}`)
    }
  }
  if (beside.size?.down !== undefined && beside.size.down !== down) {
    throw new ZoiError('INTEGRITY', `size mismatch for '${original}': ${original}.size says ${beside.size.down} bytes, the file has ${down}`)
  }
  const install = entries.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0)
  // A `.files` given beside is kept as is (Zoi's lists regular files only); else it is computed.
  return { name, sha512, down, install, files: beside.files ?? (await archiveFileList(copy, entries)) }
}

/** The archives in the cache (not `.part`, sidecar or foreign files), sorted by file name. */
export async function listCache(cacheDir: string): Promise<CachedArchive[]> {
  const out: CachedArchive[] = []
  for (const fileName of await namesIn(cacheDir)) {
    const name = parseArchiveName(fileName)
    if (name === undefined || !(await isRegularFile(join(cacheDir, fileName)))) continue
    out.push({ ...name, size: (await stat(join(cacheDir, fileName))).size })
  }
  return out.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0))
}

/**
 * Remove archives, their sidecars, `.part` downloads and temp files (also in the download
 * staging folder). Returns paths relative to `cacheDir`, sorted; `dryRun` only lists them.
 */
export async function clearCache(cacheDir: string, options: { dryRun?: boolean } = {}): Promise<string[]> {
  const removed: string[] = []
  for (const dir of ['', INCOMING_DIR]) {
    for (const fileName of await namesIn(join(cacheDir, dir))) {
      const rel = dir === '' ? fileName : `${dir}/${fileName}`
      if (!isCacheOwnedFile(fileName) || (await stat(join(cacheDir, rel)).then((s) => s.isDirectory(), () => false))) continue
      if (!options.dryRun) await rm(join(cacheDir, rel), { force: true })
      removed.push(rel)
    }
  }
  // The staging folder is zoi's own; drop it once empty (rmdir refuses a non-empty one).
  if (!options.dryRun) await rmdir(join(cacheDir, INCOMING_DIR)).catch(() => {})
  return removed.sort()
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return []
    throw new ZoiError(errnoCode(e) === 'EACCES' ? 'PERMISSION' : 'INTERNAL', `cannot read the cache folder '${dir}': ${describeError(e)}`)
  }
}
