/** Small filesystem primitives with the atomicity the rest of zoi relies on. */
import { closeSync, openSync, readSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

/** Write via a temp file in the same folder, then rename: readers see the old or the new file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
  try {
    await writeFile(tmp, data)
    await rename(tmp, file)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

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
