/** Small filesystem primitives with the atomicity the rest of zoi relies on. */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Write via a temp file in the same folder, then rename: readers see the old or the new file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  await replaceFile(file, data, undefined, `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`)
}

/**
 * Writes `tmp` (a hidden name beside `file` by default) and renames it over `file`. Readers see
 * the old file or the new one, never a missing or half-written one, even when the process is
 * killed; other hard links to the old file keep the old bytes. The folder must exist.
 */
export async function replaceFile(file: string, data: Parameters<typeof writeFile>[1], options?: Parameters<typeof writeFile>[2], tmp = hiddenTemp(file)): Promise<void> {
  try {
    await writeFile(tmp, data, options)
    await rename(tmp, file)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

/** `.name.tmp-<pid>-<random>` beside `path`: servers and listings skip dot-names; see TEMP_NAME. */
export function hiddenTemp(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`)
}

/** A temporary name of writeFileAtomic or hiddenTemp: what a killed run may leave, to sweep. */
export const TEMP_NAME = /\.tmp-\d+(-[0-9a-z]+)?$/

/**
 * Copy via a temp file beside `dest`, then rename: `dest` is never seen half-written. `tmp`
 * chooses the temp name (a mirror hides it behind a dot so servers skip it).
 */
export async function copyFileAtomic(source: string, dest: string, tmp = `${dest}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`): Promise<void> {
  try {
    await copyFile(source, tmp)
    await rename(tmp, dest)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

/** A small file's text, read synchronously; undefined when it cannot be read (most often: it is not there). */
export function readTextIfAny(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** The first `length` bytes of a file (fewer when it is shorter), for format sniffing. */
export function readHead(file: string, length: number): Buffer {
  const head = Buffer.alloc(length)
  const fd = openSync(file, 'r')
  try {
    return head.subarray(0, readSync(fd, head, 0, length, 0))
  } finally {
    closeSync(fd)
  }
}

/** A fresh folder inside `parent` (same filesystem as its siblings, so renames are atomic). */
export async function makeStagingDir(parent: string, prefix: string): Promise<string> {
  await mkdir(parent, { recursive: true })
  return mkdtemp(join(parent, prefix))
}

/**
 * Replace `target` with `replacement` (both folders on one filesystem): the old target is moved
 * aside first and removed only after the new one is in place, so a crash leaves one of the two.
 */
export async function swapDirectory(replacement: string, target: string): Promise<void> {
  const aside = `${target}.old-${process.pid}`
  await rm(aside, { recursive: true, force: true })
  let hadOld = true
  await rename(target, aside).catch((e) => {
    if ((e as { code?: string }).code !== 'ENOENT') throw e
    hadOld = false
  })
  try {
    await rename(replacement, target)
  } catch (e) {
    if (hadOld) await rename(aside, target)
    throw e
  }
  if (hadOld) await rm(aside, { recursive: true, force: true })
}
