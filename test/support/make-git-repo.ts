/**
 * Git repositories as test fixtures, made with the system `git` (tests only: zoi itself never
 * runs git). Author, committer and dates are fixed so commit ids depend only on content.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

export type RepoFiles = Record<string, string | Uint8Array>

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Zoi Test',
  GIT_AUTHOR_EMAIL: 'test@zoi.invalid',
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'Zoi Test',
  GIT_COMMITTER_EMAIL: 'test@zoi.invalid',
  GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  // No background `gc --auto` after big commits: it races with tests that run `git gc` themselves.
  GIT_CONFIG_COUNT: '2',
  GIT_CONFIG_KEY_0: 'gc.auto',
  GIT_CONFIG_VALUE_0: '0',
  GIT_CONFIG_KEY_1: 'maintenance.auto',
  GIT_CONFIG_VALUE_1: 'false',
}

/** Runs system git in `cwd`; throws with git's stderr on failure; returns trimmed stdout. */
export async function runGit(cwd: string, args: string[]): Promise<string> {
  const proc = Bun.spawn(['git', ...args], {
    cwd,
    env: { ...process.env, ...GIT_ENV },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  if (code !== 0) throw new Error(`git ${args.join(' ')} failed (${code}) in ${cwd}: ${err.trim()}`)
  return out.trim()
}

const made: string[] = []

/**
 * Deletes every dir makeTempDir made so far; test files call it in `afterAll` (bun test fires no
 * process `exit` event to hook). Set ZOI_KEEP_TMP=1 to keep them for debugging.
 */
export async function removeTempDirs(): Promise<void> {
  if (process.env.ZOI_KEEP_TMP) return
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true })
}

export async function makeTempDir(prefix = 'zoi-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

/** Writes `files` (paths relative to `dir`, `/`-separated) creating parent folders. */
export async function writeFiles(dir: string, files: RepoFiles): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path)
    await mkdir(dirname(full), { recursive: true })
    await writeFile(full, content)
  }
}

/** A new working repository on branch `main` with `files` in one commit; returns its dir. */
export async function makeGitRepo(files: RepoFiles, message = 'initial'): Promise<string> {
  const dir = await makeTempDir('zoi-repo-')
  await runGit(dir, ['init', '-q', '-b', 'main'])
  await writeFiles(dir, files)
  await runGit(dir, ['add', '-A'])
  await runGit(dir, ['commit', '-q', '--no-gpg-sign', '--allow-empty', '-m', message])
  return dir
}

/** Adds/overwrites `files`, deletes `deletions`, commits; returns the new commit id. */
export async function commitChanges(
  dir: string,
  files: RepoFiles,
  deletions: string[] = [],
  message = 'change',
): Promise<string> {
  await writeFiles(dir, files)
  for (const path of deletions) await rm(join(dir, path), { force: true })
  await runGit(dir, ['add', '-A'])
  await runGit(dir, ['commit', '-q', '--no-gpg-sign', '--allow-empty', '-m', message])
  return await headOf(dir)
}

/** Rewrites history like a force-push: drops the last commit and commits `files` instead. */
export async function rewriteLastCommit(dir: string, files: RepoFiles, message = 'rewritten'): Promise<string> {
  await runGit(dir, ['reset', '-q', '--hard', 'HEAD~1'])
  return await commitChanges(dir, files, [], message)
}

export async function headOf(dir: string): Promise<string> {
  return await runGit(dir, ['rev-parse', 'HEAD'])
}

/** `git clone --bare` of `dir` into a new temp dir; returns the bare repository's path. */
export async function makeBareClone(dir: string): Promise<string> {
  const parent = await makeTempDir('zoi-bare-')
  const bare = join(parent, 'registry.git')
  await runGit(parent, ['clone', '-q', '--bare', dir, bare])
  return bare
}

/** Every file under `dir` as RepoFiles (text), e.g. to turn a folder registry into a git repo. */
export function readTree(dir: string, base = dir): RepoFiles {
  const out: RepoFiles = {}
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) Object.assign(out, readTree(p, base))
    else out[p.slice(base.length + 1)] = readFileSync(p, 'utf8')
  }
  return out
}
