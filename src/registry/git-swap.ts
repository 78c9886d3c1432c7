/**
 * Atomic replacement of a registry clone. A sync never edits the live repository: it works in a
 * hidden sibling folder (same filesystem, so renames are atomic) and swaps it in only when the
 * fetch succeeded. A crash at any point leaves either the old or the new repository in place.
 * A new clone swaps the whole folder; an update swaps only `.git` (see git-worktree.ts for the
 * working tree that follows it).
 */
import * as fsp from 'node:fs/promises'
// Renames, existence checks and small folders are synchronous calls: an awaited one costs a
// thread-pool round trip while nothing else waits to run. Removing a tree stays asynchronous.
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, renameSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { replaceFile, TEMP_NAME } from '../platform/fs.ts'
import { processAlive } from '../platform/lock.ts'

/** Where the previous clone (or its `.git`) waits during the two renames of a swap. */
function oldName(dir: string, what: 'dir' | 'git'): string {
  return join(dirname(dir), `.${basename(dir)}.zoi-old${what === 'git' ? '-git' : ''}`)
}

function stagingPrefix(dir: string): string {
  return `.${basename(dir)}.zoi-sync-`
}

/**
 * Finishes or undoes a swap that a crash interrupted, and removes staging folders of dead
 * processes (the pid is in the name, so a concurrent sync's folder is never touched).
 */
export async function recoverInterruptedSwap(dir: string): Promise<void> {
  for (const [old, live] of [[oldName(dir, 'dir'), dir], [oldName(dir, 'git'), join(dir, '.git')]] as const) {
    if (!existsSync(old)) continue
    if (existsSync(live)) await rm(old, { recursive: true, force: true })
    else await rename(old, live)
  }
  const prefix = stagingPrefix(dir)
  let names: string[] = []
  try {
    names = readdirSync(dirname(dir))
  } catch {
    // no parent folder yet: nothing left behind
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const pid = Number(name.slice(prefix.length).split('-')[0])
    if (!processAlive(pid)) await rm(join(dirname(dir), name), { recursive: true, force: true })
  }
}

/**
 * The file system handed to isomorphic-git everywhere. Every write goes to a hidden temp file
 * renamed over the target (replaceFile), so:
 * - staging hard-links object files with the live clone, and no write goes through an existing
 *   link: new bytes get their own inode (copy-on-write). isomorphic-git writes a received pack
 *   under its content name even when that file exists, which would otherwise rewrite the live
 *   clone's pack in place;
 * - a repository written in place (a mirror's registry.git, the source cache) never has a
 *   missing or half-written HEAD, ref or config, whenever the process is killed. (Unlinking
 *   first and then writing left a window with no HEAD, after which the folder was no longer a
 *   repository.) A killed write leaves at most a temp file, which the next run sweeps.
 */
export const gitFs = {
  promises: {
    readFile: fsp.readFile,
    async writeFile(path: string, data: Parameters<typeof fsp.writeFile>[1], options?: Parameters<typeof fsp.writeFile>[2]): Promise<void> {
      await replaceFile(path, data, options)
    },
    mkdir: fsp.mkdir,
    rmdir: fsp.rmdir,
    rm: fsp.rm,
    unlink: fsp.unlink,
    stat: fsp.stat,
    lstat: fsp.lstat,
    readdir: fsp.readdir,
    readlink: fsp.readlink,
    symlink: fsp.symlink,
  },
}

/** A new, empty staging folder next to `dir`. */
export async function makeStaging(dir: string): Promise<string> {
  const staging = join(dirname(dir), `${stagingPrefix(dir)}${process.pid}-${crypto.randomUUID().slice(0, 8)}`)
  mkdirSync(staging)
  return staging
}

/**
 * Copies `dir/.git` into `staging/.git`. Object files are hard-linked, not copied: git objects
 * are immutable and isomorphic-git never rewrites an existing one, so sharing them is safe and
 * makes staging cheap. Refs, config, index and shallow are real copies (they are rewritten).
 */
export async function stageGitdir(dir: string, staging: string): Promise<void> {
  // Synchronous calls: a few dozen small files, each a thread-pool round trip when awaited.
  const gitdir = join(dir, '.git')
  mkdirSync(join(staging, '.git'))
  for (const entry of readdirSync(gitdir, { withFileTypes: true })) {
    if (TEMP_NAME.test(entry.name)) continue
    const src = join(gitdir, entry.name)
    const dest = join(staging, '.git', entry.name)
    if (entry.isDirectory()) copyTree(src, dest, entry.name === 'objects')
    else if (entry.isFile()) copyFileSync(src, dest)
  }
}

function copyTree(from: string, to: string, linkFiles: boolean): void {
  mkdirSync(to, { recursive: true })
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (TEMP_NAME.test(entry.name)) continue // a killed write's leftover: not carried on
    const src = join(from, entry.name)
    const dest = join(to, entry.name)
    if (entry.isDirectory()) copyTree(src, dest, linkFiles)
    else if (entry.isFile()) (linkFiles ? linkOrCopy : copyFileSync)(src, dest)
  }
}

function linkOrCopy(src: string, dest: string): void {
  try {
    linkSync(src, dest)
  } catch {
    copyFileSync(src, dest) // filesystems without hard links (FAT, some network mounts)
  }
}

/** Replaces `dir` by `staging` with two renames; the old clone is deleted only afterwards. */
export async function swapIntoPlace(staging: string, dir: string): Promise<void> {
  await swap(staging, dir, oldName(dir, 'dir'))
}

/**
 * Replaces `dir/.git` by `staging/.git`. The previous `.git` and the staging folder are removed
 * in the background, while the caller checks out and indexes: nothing reads them any more, the
 * process does not exit before the removal ends, and a leftover (a process killed meanwhile, a
 * removal that failed) is removed by recoverInterruptedSwap or the next swap.
 */
export async function swapGitdir(staging: string, dir: string): Promise<void> {
  const old = oldName(dir, 'git')
  await swap(join(staging, '.git'), join(dir, '.git'), old, false)
  void Promise.all([rm(old, { recursive: true, force: true }), rm(staging, { recursive: true, force: true })]).catch(() => undefined)
}

async function swap(next: string, live: string, old: string, removeOld = true): Promise<void> {
  if (present(old)) await rm(old, { recursive: true, force: true })
  const hadOld = existsSync(live)
  if (hadOld) renameSync(live, old)
  try {
    renameSync(next, live)
  } catch (e) {
    if (hadOld) renameSync(old, live)
    throw e
  }
  if (removeOld) await rm(old, { recursive: true, force: true })
}

export async function discardStaging(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true })
}

/** Whether anything is at `path`, a dangling symlink included. */
function present(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}

export async function exists(path: string): Promise<boolean> {
  return existsSync(path)
}
