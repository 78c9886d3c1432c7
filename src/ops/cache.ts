/** `zoi cache add|ls|clear`: the archive cache of this root (SPEC §8). */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { addToCache, clearCache, listCache, type AddedArchive, type CachedArchive } from '../cache/index.ts'
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { withLock } from '../platform/lock.ts'

const GLOB_CHARS = /[*?[\]{}]/

/**
 * Arguments as files. A shell expands globs before zoi runs; one that matched nothing arrives
 * as the literal pattern, which is a usage error, not "file not found". Shells that do not
 * expand (cmd.exe) get the expansion here.
 */
export function expandArchiveArgs(args: readonly string[]): string[] {
  if (args.length === 0) throw new ZoiError('USAGE', 'cache add needs at least one archive', { hint: 'zoi cache add ./downloads/*.pkg.tar.zst' })
  return args.flatMap((arg) => {
    if (existsSync(arg) || !GLOB_CHARS.test(arg)) return [resolve(arg)]
    const matches = globFiles(arg)
    if (matches.length === 0) throw new ZoiError('USAGE', `no files match '${arg}'`, { hint: 'check the folder and the pattern' })
    return matches
  })
}

/** Files matching a glob, scanned from the pattern's literal base folder (missing folder = none). */
function globFiles(pattern: string): string[] {
  const abs = resolve(pattern)
  const parts = abs.split('/')
  const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p))
  const base = parts.slice(0, firstGlob).join('/') || '/'
  if (!existsSync(base)) return []
  const rest = parts.slice(firstGlob).join('/')
  return [...new Bun.Glob(rest).scanSync({ cwd: base, absolute: true, onlyFiles: true })].sort()
}

export async function cacheAdd(ctx: Context, args: readonly string[]): Promise<AddedArchive[]> {
  const files = expandArchiveArgs(args)
  return withLock(ctx.layout.lockFile, () => addToCache(files, { cacheDir: ctx.layout.cacheDir, report: ctx.report }))
}

export async function cacheList(ctx: Context): Promise<CachedArchive[]> {
  return listCache(ctx.layout.cacheDir)
}

export async function cacheClear(ctx: Context, dryRun: boolean): Promise<string[]> {
  return withLock(ctx.layout.lockFile, () => clearCache(ctx.layout.cacheDir, { dryRun }))
}
