/**
 * `git submodule update --init [--recursive]` (and `clone --recurse-submodules`) for the `git`
 * of builds: each submodule of `.gitmodules` is cloned from the source cache at the commit the
 * superproject records for its path.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { git } from '../registry/git-lib.ts'
import { ZoiError } from '../errors.ts'
import { gitFs as fs } from '../registry/git-swap.ts'
import { ensureGitRef } from './git-cache.ts'
import { checkoutCommit, originUrl, takeFromCache } from './git-clone.ts'
import type { SourceCache } from './source-cache.ts'

interface Submodule {
  path: string
  url: string
}

export async function updateSubmodules(cache: SourceCache, dir: string, recursive: boolean): Promise<void> {
  for (const sub of readGitmodules(dir)) {
    const url = await absoluteUrl(dir, sub.url)
    const commit = await gitlinkCommit(dir, sub.path)
    const target = join(dir, sub.path)
    if (!(await git.resolveRef({ fs, dir: target, ref: 'HEAD' }).then((o) => o === commit, () => false))) {
      rmSync(target, { recursive: true, force: true })
      const got = await ensureGitRef(cache, url, commit)
      await git.init({ fs, dir: target, defaultBranch: 'main' })
      await git.setConfig({ fs, dir: target, path: 'remote.origin.url', value: url })
      await git.setConfig({ fs, dir: target, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' })
      await takeFromCache(target, got.gitdir)
      await checkoutCommit(target, got)
    }
    if (recursive) await updateSubmodules(cache, target, true)
  }
}

function readGitmodules(dir: string): Submodule[] {
  let text: string
  try {
    text = readFileSync(join(dir, '.gitmodules'), 'utf8')
  } catch {
    return []
  }
  const subs: Array<Partial<Submodule>> = []
  for (const line of text.split('\n')) {
    const trimmed = line.trim()
    if (/^\[submodule\s/.test(trimmed)) subs.push({})
    const m = /^(path|url)\s*=\s*(.+)$/.exec(trimmed)
    if (m && subs.length > 0) subs[subs.length - 1]![m[1] as 'path' | 'url'] = m[2]!.trim()
  }
  return subs.filter((s): s is Submodule => Boolean(s.path && s.url))
}

/** `../lib.git` style URLs are relative to the superproject's origin. */
async function absoluteUrl(dir: string, url: string): Promise<string> {
  if (!url.startsWith('./') && !url.startsWith('../')) return url
  const base = (await originUrl(dir)).replace(/\/+$/, '') + '/'
  return new URL(url, base).toString()
}

async function gitlinkCommit(dir: string, path: string): Promise<string> {
  const gitdir = join(dir, '.git')
  let tree = (await git.readCommit({ fs, gitdir, oid: await git.resolveRef({ fs, gitdir, ref: 'HEAD' }) })).commit.tree
  const parts = path.split('/').filter((p) => p !== '')
  for (const [i, part] of parts.entries()) {
    const entry = (await git.readTree({ fs, gitdir, oid: tree })).tree.find((e) => e.path === part)
    if (!entry) break
    if (i === parts.length - 1 && entry.type === 'commit') return entry.oid
    tree = entry.oid
  }
  throw new ZoiError('NOT_FOUND', `submodule '${path}' has no commit recorded in ${dir}`)
}
