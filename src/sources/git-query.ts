/**
 * The read-only git commands builds use to name what they built: `rev-parse`, `describe --tags`
 * and `log -1 --format=…`, answered from the clone's own object store. Anything these do not
 * understand is refused by name rather than answered approximately.
 */
import { join } from 'node:path'
import { git } from '../registry/git-lib.ts'
import { ZoiError } from '../errors.ts'
import { gitFs as fs } from '../registry/git-swap.ts'
import { peel } from './git-cache.ts'
import { resolveLocal } from './git-clone.ts'

export function unsupported(args: readonly string[], why = 'not supported'): ZoiError {
  return new ZoiError('USAGE', `zoi's git: 'git ${args.join(' ')}' is ${why}`, {
    hint: 'zoi serves clone, checkout, fetch, rev-parse, describe --tags, submodule update --init and log -N --format from its source cache',
  })
}

async function commitOf(dir: string, rev: string, args: readonly string[]): Promise<string> {
  const oid = await resolveLocal(dir, rev)
  if (oid === undefined) throw new ZoiError('NOT_FOUND', `git ${args.join(' ')}: unknown revision '${rev}'`)
  return oid
}

export async function revParse(dir: string, args: string[]): Promise<string> {
  let short: number | undefined
  let abbrevRef = false
  const out: string[] = []
  for (const a of args) {
    if (a === '--verify' || a === '-q' || a === '--quiet') continue
    else if (a === '--short') short = 7
    else if (a.startsWith('--short=')) short = Number(a.slice(8))
    else if (a === '--abbrev-ref') abbrevRef = true
    else if (a === '--show-toplevel') out.push(dir)
    else if (a === '--is-inside-work-tree') out.push('true')
    else if (a === '--git-dir') out.push(join(dir, '.git'))
    else if (a.startsWith('-')) throw unsupported(['rev-parse', ...args], `not supported (option ${a})`)
    else if (abbrevRef) {
      const branch = await git.currentBranch({ fs, dir }).catch(() => undefined)
      out.push(a === 'HEAD' ? (branch ?? 'HEAD') : a)
    } else {
      const oid = await commitOf(dir, a, ['rev-parse', ...args])
      out.push(short ? oid.slice(0, short) : oid)
    }
  }
  return out.map((l) => l + '\n').join('')
}

export async function describe(dir: string, args: string[]): Promise<string> {
  let tags = false
  let always = false
  let long = false
  let abbrev = 7
  let rev = 'HEAD'
  for (const a of args) {
    if (a === '--tags') tags = true
    else if (a === '--always') always = true
    else if (a === '--long') long = true
    else if (a.startsWith('--abbrev=')) abbrev = Number(a.slice(9))
    else if (!a.startsWith('-')) rev = a
    else throw unsupported(['describe', ...args], `not supported (option ${a})`)
  }
  if (!tags) throw unsupported(['describe', ...args], 'supported only with --tags')
  const gitdir = join(dir, '.git')
  const head = await commitOf(dir, rev, ['describe', ...args])
  const byCommit = new Map<string, string[]>()
  for (const tag of await git.listTags({ fs, gitdir })) {
    const commit = await git.resolveRef({ fs, gitdir, ref: `refs/tags/${tag}` }).then((o) => peel(gitdir, o)).catch(() => undefined)
    if (commit !== undefined) byCommit.set(commit, [...(byCommit.get(commit) ?? []), tag].sort())
  }
  // First-parent walk; exact for the linear histories source tarballs of releases come from.
  const commits = await git.log({ fs, gitdir, ref: head }).catch(() => [])
  for (const [distance, entry] of commits.entries()) {
    const names = byCommit.get(entry.oid)
    if (!names) continue
    const tag = names[names.length - 1]!
    if (distance === 0 && !long) return `${tag}\n`
    return abbrev === 0 ? `${tag}\n` : `${tag}-${distance}-g${head.slice(0, abbrev)}\n`
  }
  if (always) return `${head.slice(0, abbrev || 7)}\n`
  throw new ZoiError('NOT_FOUND', `git describe: no tag reachable from ${head.slice(0, 7)}, cannot describe anything`)
}

export async function log(dir: string, args: string[]): Promise<string> {
  let count = Infinity
  let format = '%H%n%an <%ae>%n%s'
  let rev = 'HEAD'
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (/^-\d+$/.test(a)) count = Number(a.slice(1))
    else if (a === '-n' || a === '--max-count') count = Number(args[++i])
    else if (a.startsWith('--max-count=')) count = Number(a.slice(12))
    else if (a.startsWith('--format=') || a.startsWith('--pretty=format:') || a.startsWith('--pretty=tformat:')) format = a.slice(a.indexOf(a.startsWith('--format=') ? '=' : ':') + 1)
    else if (a === '--no-decorate' || a === '--no-color') continue
    else if (!a.startsWith('-')) rev = a
    else throw unsupported(['log', ...args], `not supported (option ${a})`)
  }
  if (!Number.isFinite(count) || args.every((a) => !a.startsWith('--format=') && !a.startsWith('--pretty='))) {
    throw unsupported(['log', ...args], 'supported only as log -N --format=<format>')
  }
  const head = await commitOf(dir, rev, ['log', ...args])
  const commits = await git.log({ fs, gitdir: join(dir, '.git'), ref: head, depth: count })
  return commits.map((c) => formatCommit(c.oid, c.commit, format, args) + '\n').join('')
}

type Commit = Awaited<ReturnType<typeof git.readCommit>>['commit']

function formatCommit(oid: string, c: Commit, format: string, args: readonly string[]): string {
  const iso = (p: { timestamp: number; timezoneOffset: number }) => {
    const offset = -p.timezoneOffset
    const local = new Date((p.timestamp + offset * 60) * 1000).toISOString().slice(0, 19)
    const sign = offset < 0 ? '-' : '+'
    const abs = Math.abs(offset)
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  }
  const [subject, ...body] = c.message.split('\n')
  const values: Record<string, string> = {
    H: oid, h: oid.slice(0, 7), T: c.tree, t: c.tree.slice(0, 7), P: c.parent.join(' '), p: c.parent.map((p) => p.slice(0, 7)).join(' '),
    an: c.author.name, ae: c.author.email, at: String(c.author.timestamp), aI: iso(c.author),
    cn: c.committer.name, ce: c.committer.email, ct: String(c.committer.timestamp), cI: iso(c.committer),
    s: subject ?? '', b: body.join('\n').replace(/^\n+/, ''), B: c.message, n: '\n', '%': '%',
  }
  return format.replace(/%(an|ae|at|aI|cn|ce|ct|cI|[HhTtPpsbBn%]|.?)/g, (_, key: string) => {
    const v = values[key]
    if (v === undefined) throw unsupported(['log', ...args], `not supported (placeholder %${key})`)
    return v
  })
}
