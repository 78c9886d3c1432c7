/**
 * Refs and the repository skeleton of a registry clone, as plain files (git's repository
 * layout): resolving HEAD and other refs (loose, then packed-refs), writing refs, `git init`'s
 * folders and config, and the `origin` remote. Written here rather than through isomorphic-git
 * so that a sync that fetches with zoi's own client never loads that library (~20 ms).
 */
// Synchronous calls: each of these files is a few bytes, and an awaited call costs a thread-pool
// round trip (about 0.1 ms) while nothing else waits to run; a re-sync makes about 20 of them.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { errnoCode } from '../errors.ts'
import { readTextIfAny } from '../platform/fs.ts'

const OID = /^[0-9a-f]{40}$/

/** What the config of a new clone holds (isomorphic-git's `init`, which earlier clones have). */
const CORE = '[core]\n\trepositoryformatversion = 0\n\tfilemode = false\n\tbare = false\n\tlogallrefupdates = true\n\tsymlinks = false\n\tignorecase = true\n'

/**
 * The commit `ref` names: an id as is, else the first of `ref`, `refs/<ref>`, `refs/tags/<ref>`,
 * `refs/heads/<ref>`, `refs/remotes/<ref>` that exists (git's order), symbolic refs followed.
 * A ref that does not exist throws an error with code `NotFoundError`.
 */
export async function resolveRef(gitdir: string, ref: string): Promise<string> {
  if (OID.test(ref)) return ref
  let packed: Map<string, string> | undefined
  for (const name of [ref, `refs/${ref}`, `refs/tags/${ref}`, `refs/heads/${ref}`, `refs/remotes/${ref}`]) {
    let value = readRefFile(gitdir, name)
    if (value === undefined) value = (packed ??= readPackedRefs(gitdir)).get(name)
    if (value === undefined) continue
    for (let depth = 0; value.startsWith('ref: ') && depth < 5; depth++) {
      const target = value.slice(5).trim()
      value = readRefFile(gitdir, target) ?? (packed ??= readPackedRefs(gitdir)).get(target)
      if (value === undefined) throw notFound(`${ref} names ${target}, which does not exist`)
    }
    if (OID.test(value)) return value
    throw notFound(`${ref} holds no commit id`)
  }
  throw notFound(`no ref ${ref}`)
}

/** The branch HEAD names (`refs/heads/…`), or undefined when HEAD is detached or missing. */
export async function headBranch(gitdir: string): Promise<string | undefined> {
  const head = readRefFile(gitdir, 'HEAD')
  return head?.startsWith('ref: ') ? head.slice(5).trim() : undefined
}

/** Points `ref` at `oid` (or, with `symbolic`, at another ref), replacing the file atomically. */
export async function writeRef(gitdir: string, ref: string, value: string, symbolic = false): Promise<void> {
  const path = join(gitdir, ref)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(`${path}.lock`, symbolic ? `ref: ${value}\n` : `${value}\n`)
  renameSync(`${path}.lock`, path)
}

/** `git init` of a non-bare repository whose git directory is `gitdir`, HEAD on `main`. */
export async function initRepo(gitdir: string): Promise<void> {
  for (const dir of ['hooks', 'info', 'objects/info', 'objects/pack', 'refs/heads', 'refs/tags']) mkdirSync(join(gitdir, dir), { recursive: true })
  writeFileSync(join(gitdir, 'config'), CORE)
  writeFileSync(join(gitdir, 'HEAD'), 'ref: refs/heads/main\n')
}

/**
 * Makes a `.git` that came from elsewhere (a `sync export` bundle carries whole clones) hold only
 * what zoi itself writes there: its config (core settings and `origin`), no hooks, no
 * alternates. A carried config can name commands — `core.pager`, `core.fsmonitor` — and hooks
 * are programs: git would run them for whoever later runs `git log` or `git status` in the
 * registry's folder. Alternates would borrow objects from wherever they point on this machine,
 * and a bundle made here later would carry them off. zoi's own clones have none of these.
 */
export async function ownGitdir(gitdir: string, url: string): Promise<void> {
  for (const borrowed of ['alternates', 'http-alternates']) rmSync(join(gitdir, 'objects', 'info', borrowed), { force: true })
  rmSync(join(gitdir, 'hooks'), { recursive: true, force: true })
  mkdirSync(join(gitdir, 'hooks'))
  writeFileSync(join(gitdir, 'config'), CORE)
  await setOrigin(gitdir, url)
}

/**
 * Sets the `origin` remote (URL and fetch refspec), replacing an earlier one. The URL is stored
 * without credentials: they must never land on disk (every fetch passes the real URL anyway).
 */
export async function setOrigin(gitdir: string, url: string): Promise<void> {
  const file = join(gitdir, 'config')
  const text = readTextIfAny(file) ?? CORE // no config yet: the core settings of a new clone
  // Drop an earlier [remote "origin"] section: from its header to the next section header.
  const kept = text.replace(/^\[remote "origin"\][^]*?(?=^\[|(?![^]))/m, '').replace(/\n*$/, '\n')
  const bare = url.replace(/^([a-z]+:\/\/)[^@/]*@/i, '$1')
  writeFileSync(`${file}.lock`, `${kept}[remote "origin"]\n\turl = ${bare}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`)
  renameSync(`${file}.lock`, file)
}

function readRefFile(gitdir: string, ref: string): string | undefined {
  try {
    return readFileSync(join(gitdir, ref), 'utf8').trim()
  } catch (e) {
    const code = errnoCode(e)
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined
    throw e
  }
}

/** `packed-refs`: `<oid> <ref>` lines (peeled `^` lines and the header skipped). */
function readPackedRefs(gitdir: string): Map<string, string> {
  const refs = new Map<string, string>()
  const text = readTextIfAny(join(gitdir, 'packed-refs')) ?? ''
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{40}) (\S+)$/.exec(line)
    if (m) refs.set(m[2]!, m[1]!)
  }
  return refs
}

function notFound(message: string): Error {
  return Object.assign(new Error(message), { code: 'NotFoundError' })
}
