/**
 * Doing, undoing and finishing journal steps (journal.ts). Each function is idempotent: it
 * looks at what is on disk, so it is correct whether the crash happened before, during or
 * after the step it is repairing.
 */
import { cp, lstat, mkdir, readlink, rename, rm, rmdir, symlink } from 'node:fs/promises'
import { errnoCode } from '../errors.ts'
import { partPath, type AfterStep, type Journal, type Step } from './journal.ts'
import { removeTree } from '../platform/remove-tree.ts'

export async function doStep(step: Step, txid: string): Promise<void> {
  switch (step.op) {
    case 'mkdir':
      await mkdir(step.path, step.mode)
      return
    case 'create':
      await moveInto(step.from, step.path, txid)
      return
    case 'replace':
      await rename(step.path, step.aside)
      await moveInto(step.from, step.path, txid)
      return
    case 'link':
      await pointLink(step.path, step.target, txid)
      return
  }
}

/** Put back what `step` changed, as far as it got. */
export async function undoStep(step: Step, txid: string): Promise<void> {
  switch (step.op) {
    case 'mkdir':
      await removeEmptyFolder(step.path)
      return
    case 'create':
      await rm(partPath(step.path, txid), { recursive: true, force: true })
      await rm(step.path, { recursive: true, force: true })
      return
    case 'replace':
      await rm(partPath(step.path, txid), { recursive: true, force: true })
      // No aside: the step never started (or was already undone), and `path` is the original.
      if (!(await exists(step.aside))) return
      await rm(step.path, { recursive: true, force: true })
      await rename(step.aside, step.path)
      return
    case 'link':
      if (step.old === null) {
        await rm(partPath(step.path, txid), { force: true })
        await rm(step.path, { force: true })
      } else {
        await pointLink(step.path, step.old, txid)
      }
      return
  }
}

export async function doAfter(step: AfterStep): Promise<void> {
  switch (step.op) {
    case 'rm':
      await removeTree(step.path)
      return
    case 'rmdir':
      await removeEmptyFolder(step.path)
      return
    case 'save':
      if (await exists(step.path)) await rename(step.path, `${step.path}.zoisave`)
      return
  }
}

/** Undo every step, last first: the root is as it was before the change. */
export async function rollBack(journal: Journal): Promise<void> {
  for (const step of [...journal.steps].reverse()) await undoStep(step, journal.txid)
}

/** Finish a committed change: drop what it replaced, then run its `after` steps. */
export async function rollForward(journal: Journal): Promise<void> {
  for (const step of journal.steps) {
    if (step.op === 'replace') await removeTree(step.aside)
    if (step.op !== 'mkdir') await rm(partPath(step.path, journal.txid), { recursive: true, force: true })
  }
  for (const step of journal.after) await doAfter(step)
}

/**
 * Rename, or across filesystems copy to a scratch name beside the target and rename that, so
 * the target appears complete or not at all.
 */
async function moveInto(from: string, to: string, txid: string): Promise<void> {
  try {
    await rename(from, to)
  } catch (e) {
    if (errnoCode(e) !== 'EXDEV') throw e
    const part = partPath(to, txid)
    await rm(part, { recursive: true, force: true })
    await cp(from, part, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, errorOnExist: true, force: false })
    await rename(part, to)
  }
}

/** A symlink is replaced atomically: a new link under a scratch name is renamed over it. */
async function pointLink(path: string, target: string, txid: string): Promise<void> {
  if ((await readlink(path).catch(() => null)) === target) return
  const part = partPath(path, txid)
  await rm(part, { force: true })
  await symlink(target, part)
  await rename(part, path)
}

async function removeEmptyFolder(path: string): Promise<void> {
  try {
    await rmdir(path)
  } catch (e) {
    const code = errnoCode(e)
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw e
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  )
}
