/**
 * What a registry URL points at. zoi syncs over smart HTTP(S) or from a local directory, and a
 * local directory is one of: a working clone (`.git/` or a `.git` file), a bare repository, or a
 * plain folder of definitions that is not a git repository at all (USB stick, bundled example).
 */
import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ZoiError } from '../errors.ts'
import { isRemoteUrl, redactUrl } from '../platform/net.ts'

export type SyncSource =
  | { kind: 'http'; url: string }
  /** A git repository on disk; `gitdir` is its object/ref store (`.git/` or the bare dir). */
  | { kind: 'git'; path: string; gitdir: string }
  | { kind: 'folder'; path: string }

export async function classifySource(url: string): Promise<SyncSource> {
  if (isRemoteUrl(url)) return { kind: 'http', url }
  const path = toLocalPath(url)
  if (path === undefined || !(await isDirectory(path))) {
    throw new ZoiError('USAGE', `registry URL '${redactUrl(url)}' is neither http(s):// nor an existing directory`, {
      hint: 'use an http(s) URL of a git repository, or the path of a local clone, bare repository or folder',
    })
  }
  const gitdir = await findGitdir(path)
  return gitdir ? { kind: 'git', path, gitdir } : { kind: 'folder', path }
}

/** `file://` URLs and plain paths become absolute paths; other schemes are not local. */
function toLocalPath(url: string): string | undefined {
  if (/^file:/i.test(url)) {
    try {
      return Bun.fileURLToPath(url)
    } catch {
      return undefined
    }
  }
  // `ssh://`, `git://`, `git@host:path` and friends are not supported transports.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/\\]+@[^/\\]+:/.test(url)) return undefined
  return resolve(url)
}

async function findGitdir(path: string): Promise<string | undefined> {
  const dotGit = resolve(path, '.git')
  const info = await stat(dotGit).catch(() => undefined)
  if (info?.isDirectory()) return dotGit
  if (info?.isFile()) {
    // A worktree or submodule: `.git` is a file saying `gitdir: <path>`.
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(await readFile(dotGit, 'utf8'))
    if (m) return resolve(path, m[1]!)
  }
  const bare = await Promise.all(['HEAD', 'objects', 'refs'].map((n) => stat(resolve(path, n)).catch(() => undefined)))
  if (bare[0]?.isFile() && bare[1]?.isDirectory() && bare[2]?.isDirectory()) return path
  return undefined
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false
}
