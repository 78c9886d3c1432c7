/**
 * Sync from a git repository on disk (working clone or bare) without a git binary: objects are
 * content-addressed and immutable, so copying the object files the destination lacks, then
 * pointing its refs at the source's HEAD, yields the same repository as a fetch would.
 */
import { copyFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { git } from './git-lib.ts'
import { ZoiError, errnoCode } from '../errors.ts'
import { copyFileAtomic, hiddenTemp, replaceFile } from '../platform/fs.ts'
import { exists, gitFs as fs } from './git-swap.ts'

export interface UpstreamHead {
  /** Full branch ref the source's HEAD names (`refs/heads/main`); `refs/heads/main` if detached. */
  branch: string
  oid: string
}

export async function readLocalHead(gitdir: string, label: string): Promise<UpstreamHead> {
  let oid: string
  try {
    oid = await git.resolveRef({ fs, gitdir, ref: 'HEAD' })
  } catch (e) {
    throw new ZoiError('NOT_FOUND', `registry repository '${label}' has no commits on its HEAD branch`, { cause: e })
  }
  const target = await git.resolveRef({ fs, gitdir, ref: 'HEAD', depth: 2 }).catch(() => oid)
  return { branch: target.startsWith('refs/heads/') ? target : 'refs/heads/main', oid }
}

/**
 * Copies every object file of `srcGitdir` (and of its alternates) that `destGitdir` lacks, and
 * mirrors the source's shallow list. Returns how many files were copied. Each file is copied
 * under a hidden temp name and renamed, so a killed copy never leaves a truncated object that
 * a later run would take as present (a mirror's registry.git is written in place).
 */
export async function copyObjects(srcGitdir: string, destGitdir: string): Promise<number> {
  let copied = 0
  // A `git gc` in the source (git starts one by itself after a large commit) packs loose objects
  // and deletes them, or replaces packs, while they are being copied: what vanished is then in a
  // pack this pass did not list. Another pass copies it.
  for (let pass = 1; ; pass++) {
    const done = await copyPass(srcGitdir, destGitdir)
    copied += done.copied
    if (done.vanished === 0) break
    if (pass === COPY_PASSES) {
      throw new ZoiError('CONFLICT', `the objects of git repository ${srcGitdir} kept changing while zoi copied them (${done.vanished} vanished)`, {
        hint: "wait for the git command working in that repository (such as 'git gc') to finish, then run zoi again",
      })
    }
  }
  const shallow = await readFile(join(srcGitdir, 'shallow')).catch(() => undefined)
  if (shallow) await replaceFile(join(destGitdir, 'shallow'), shallow)
  else await rm(join(destGitdir, 'shallow'), { force: true })
  return copied
}

/** Passes of copyObjects before objects that keep vanishing are an error. */
const COPY_PASSES = 4

/** One pass over the source's objects: how many files it copied and how many vanished under it. */
async function copyPass(srcGitdir: string, destGitdir: string): Promise<{ copied: number; vanished: number }> {
  const dest = join(destGitdir, 'objects')
  let copied = 0
  let vanished = 0
  // A file (or fanout folder) of the source that is gone by the time it is read was removed by
  // a concurrent gc; anything else is an error.
  const unlessVanished = async <T>(source: string, step: () => Promise<T>, none: T): Promise<T> => {
    try {
      return await step()
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT' || (await exists(source))) throw e
      vanished++
      return none
    }
  }
  const copyUnlessVanished = (source: string, target: string): Promise<boolean> =>
    unlessVanished(source, () => copyFileAtomic(source, target, hiddenTemp(target)).then(() => true), false)
  for (const src of await objectDirs(srcGitdir)) {
    // Packs before loose objects, and each .pack before its .idx: readers find packs through
    // their .idx, so an index never points at a pack that is not there yet.
    const packs = (await readdir(join(src, 'pack')).catch(() => [] as string[])).filter((n) => n.endsWith('.pack'))
    for (const pack of packs) {
      const idx = pack.replace(/\.pack$/, '.idx')
      if (!(await exists(join(src, 'pack', idx))) || (await exists(join(dest, 'pack', idx)))) continue
      await mkdir(join(dest, 'pack'), { recursive: true })
      // Both copied before either is renamed in: a pack that vanishes half way (or a kill) leaves
      // no .pack without its .idx, which a mirror's objects/info/packs would advertise.
      const temps = [hiddenTemp(join(dest, 'pack', pack)), hiddenTemp(join(dest, 'pack', idx))] as const
      const toTemp = (name: string, temp: string) => unlessVanished(join(src, 'pack', name), () => copyFile(join(src, 'pack', name), temp).then(() => true), false)
      try {
        if (!(await toTemp(pack, temps[0])) || !(await toTemp(idx, temps[1]))) continue
        await rename(temps[0], join(dest, 'pack', pack))
        await rename(temps[1], join(dest, 'pack', idx))
        copied += 2
      } finally {
        for (const t of temps) await rm(t, { force: true })
      }
    }
    const fanout = (await readdir(src)).filter((n) => /^[0-9a-f]{2}$/.test(n))
    await runLimited(fanout, 16, async (sub) => {
      const names = await unlessVanished(join(src, sub), () => readdir(join(src, sub)), [] as string[])
      let made = false
      for (const name of names) {
        if (await exists(join(dest, sub, name))) continue
        if (!made) await mkdir(join(dest, sub), { recursive: true })
        made = true
        if (await copyUnlessVanished(join(src, sub, name), join(dest, sub, name))) copied++
      }
    })
  }
  return { copied, vanished }
}

/** The source's object folder followed by its alternates (`objects/info/alternates`), recursively. */
async function objectDirs(gitdir: string): Promise<string[]> {
  const out: string[] = []
  const queue = [join(gitdir, 'objects')]
  while (queue.length > 0 && out.length < 16) {
    const dir = queue.shift()!
    if (out.includes(dir)) continue
    out.push(dir)
    const alternates = await readFile(join(dir, 'info', 'alternates'), 'utf8').catch(() => '')
    for (const line of alternates.split('\n')) {
      if (line.trim() && !line.startsWith('#')) queue.push(resolve(dir, line.trim()))
    }
  }
  return out
}

async function runLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!)
  })
  await Promise.all(lanes)
}
