/**
 * zoi acting as `git` inside builds (multi-call binary): parses the invocation, finds the clone
 * it is about (`-C dir`, the working directory), and serves it from the source cache. What it
 * does not serve is refused with a message naming the invocation — exit 5 when offline, since
 * the real thing would have needed the network — never answered approximately.
 */
import { resolve } from 'node:path'
import { git } from '../registry/git-lib.ts'
import { ZoiError } from '../errors.ts'
import { gitFs as fs } from '../registry/git-swap.ts'
import { checkoutRev, cloneFromCache, fetchFromCache } from './git-clone.ts'
import { describe, log, revParse, unsupported } from './git-query.ts'
import { updateSubmodules } from './git-submodule.ts'
import type { SourceCache } from './source-cache.ts'

/** Runs one git invocation; returns what it prints on stdout. */
export async function runGitCommand(cache: SourceCache, argv: readonly string[], cwd: string): Promise<string> {
  try {
    return await dispatch(cache, [...argv], cwd)
  } catch (e) {
    if (e instanceof ZoiError && e.code === 'USAGE' && cache.opts.net.offline) {
      throw new ZoiError('OFFLINE', e.message, { hint: e.hint, cause: e })
    }
    throw e
  }
}

async function dispatch(cache: SourceCache, args: string[], cwd: string): Promise<string> {
  let dir = cwd
  while (args.length > 0 && args[0]!.startsWith('-')) {
    const a = args.shift()!
    if (a === '-C') dir = resolve(dir, args.shift() ?? '.')
    else if (a === '-c') args.shift() // configuration for the real git; nothing here reads it
    else if (a === '--no-pager') continue
    else if (a === '--version') return 'git version 2.0.0 (zoi, served from the source cache)\n'
    else throw unsupported([a, ...args])
  }
  const [command, ...rest] = args
  switch (command) {
    case 'clone':
      return clone(cache, rest, dir)
    case 'checkout':
    case 'switch': {
      const revs = rest.filter((a) => a !== '-q' && a !== '--quiet' && a !== '--detach' && a !== '-f' && a !== '--force')
      if (revs.length !== 1 || revs[0]!.startsWith('-')) throw unsupported(args)
      await checkoutRev(cache, await worktree(dir, args), revs[0]!)
      return ''
    }
    case 'fetch': {
      const refs = plainArgs(rest, args, ['--tags', '-q', '--quiet', '--all', '--prune', '-p', '--force', '-f'], ['--depth'])
      if (refs[0] === 'origin') refs.shift()
      if (refs.length > 1) throw unsupported(args)
      await fetchFromCache(cache, await worktree(dir, args), refs[0])
      return ''
    }
    case 'rev-parse':
      return revParse(await worktree(dir, args), rest)
    case 'describe':
      return describe(await worktree(dir, args), rest)
    case 'log':
      return log(await worktree(dir, args), rest)
    case 'submodule': {
      const [sub, ...opts] = rest
      const known = opts.filter((o) => o !== '--init' && o !== '--recursive' && o !== '--depth' && !/^\d+$/.test(o) && o !== '-q' && o !== '--quiet')
      if (sub !== 'update' || !opts.includes('--init') || known.length > 0) throw unsupported(args)
      await updateSubmodules(cache, await worktree(dir, args), opts.includes('--recursive'))
      return ''
    }
    case 'version':
      return 'git version 2.0.0 (zoi, served from the source cache)\n'
    default:
      throw unsupported(args)
  }
}

async function clone(cache: SourceCache, rest: string[], cwd: string): Promise<string> {
  let depth: number | undefined
  let branch: string | undefined
  let recurse = false
  const positional: string[] = []
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!
    if (a === '--depth') depth = Number(rest[++i])
    else if (a.startsWith('--depth=')) depth = Number(a.slice(8))
    else if (a === '--branch' || a === '-b') branch = rest[++i]
    else if (a.startsWith('--branch=')) branch = a.slice(9)
    else if (a === '--recurse-submodules' || a === '--recursive') recurse = true
    else if (a === '--single-branch' || a === '-q' || a === '--quiet' || a === '--progress' || a === '--no-tags') continue
    else if (a.startsWith('-')) throw unsupported(['clone', ...rest], `not supported (option ${a})`)
    else positional.push(a)
  }
  if (positional.length < 1 || positional.length > 2 || (depth !== undefined && !(depth > 0)) || branch === '') throw unsupported(['clone', ...rest])
  const url = positional[0]!
  const name = positional[1] ?? url.replace(/\/+$/, '').split('/').pop()!.replace(/\.git$/, '')
  const dir = resolve(cwd, name)
  await cloneFromCache(cache, { url, dir, branch, depth })
  if (recurse) await updateSubmodules(cache, dir, true)
  return ''
}

/** Positional arguments after dropping the flags a command accepts (and the values of `withValue` flags). */
function plainArgs(rest: string[], all: string[], flags: string[], withValue: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!
    if (flags.includes(a) || withValue.some((f) => a.startsWith(f + '='))) continue
    if (withValue.includes(a)) i++
    else if (a.startsWith('-')) throw unsupported(all, `not supported (option ${a})`)
    else out.push(a)
  }
  return out
}

async function worktree(dir: string, args: string[]): Promise<string> {
  try {
    return await git.findRoot({ fs, filepath: dir })
  } catch {
    throw new ZoiError('NOT_FOUND', `git ${args.join(' ')}: ${dir} is not inside a git clone`)
  }
}
