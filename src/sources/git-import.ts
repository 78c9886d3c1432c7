/**
 * `zoi source add <repo|bundle> --url <git url>`: a git source carried by hand becomes the cache
 * repository of that URL. A bare repository (or a clone) gives its objects and refs; a
 * `git bundle` file (v2) gives the refs of its header and its pack, which the embedded client
 * indexes. Bundles that need prerequisite commits (incremental bundles) are refused.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { git } from '../registry/git-lib.ts'
import { ZoiError } from '../errors.ts'
import { copyObjects } from '../registry/git-local.ts'
import { gitFs as fs } from '../registry/git-swap.ts'
import { gitRepoPath, peel } from './git-cache.ts'
import type { SourceCache } from './source-cache.ts'
import { notePackage, updateIndex } from './source-index.ts'
import { urlKey } from './source-mirrors.ts'
import { crypto } from '../platform/node-lazy.ts'

const BUNDLE_V2 = '# v2 git bundle\n'

export function isGitSource(file: string): boolean {
  if (statSync(file).isDirectory()) return true
  const head = Buffer.alloc(BUNDLE_V2.length)
  const fd = openSync(file, 'r')
  try {
    readSync(fd, head, 0, head.length, 0)
  } finally {
    closeSync(fd)
  }
  return head.toString('latin1') === BUNDLE_V2
}

/** Files a repository or bundle as the cache repository of `url`; returns the refs it recorded. */
export async function importGitSource(cache: SourceCache, file: string, url: string): Promise<Record<string, string>> {
  const gitdir = gitRepoPath(cache.dir, url)
  if (!existsSync(join(gitdir, 'objects'))) {
    mkdirSync(gitdir, { recursive: true })
    await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' })
    await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/*:refs/*' })
  }
  const refs = statSync(file).isDirectory() ? await fromRepository(file, gitdir) : await fromBundle(file, gitdir)
  const commits: Record<string, string> = {}
  for (const [ref, oid] of Object.entries(refs)) {
    await git.writeRef({ fs, gitdir, ref, value: oid, force: true })
    commits[ref.replace(/^refs\/(heads|tags)\//, '')] = await peel(gitdir, oid)
  }
  const head = Object.keys(refs).find((r) => r === 'refs/heads/main') ?? Object.keys(refs).find((r) => r.startsWith('refs/heads/'))
  if (head) await git.writeRef({ fs, gitdir, ref: 'HEAD', value: head, symbolic: true, force: true })
  if (head) commits.HEAD = commits[head.replace(/^refs\/heads\//, '')]!
  updateIndex(cache.dir, (index) => {
    const old = index.git[url]
    index.git[url] = { repo: `git/${urlKey(url)}.git`, refs: { ...old?.refs, ...commits }, packages: notePackage(old?.packages ?? [], cache.opts.pkg) }
  })
  return commits
}

async function fromRepository(path: string, gitdir: string): Promise<Record<string, string>> {
  const source = existsSync(join(path, '.git')) ? join(path, '.git') : path
  if (!existsSync(join(source, 'objects'))) throw new ZoiError('USAGE', `'${path}' is not a git repository (no objects folder)`)
  await copyObjects(source, gitdir)
  const refs: Record<string, string> = {}
  for (const branch of await git.listBranches({ fs, gitdir: source })) refs[`refs/heads/${branch}`] = await git.resolveRef({ fs, gitdir: source, ref: `refs/heads/${branch}` })
  for (const tag of await git.listTags({ fs, gitdir: source })) refs[`refs/tags/${tag}`] = await git.resolveRef({ fs, gitdir: source, ref: `refs/tags/${tag}` })
  return refs
}

async function fromBundle(file: string, gitdir: string): Promise<Record<string, string>> {
  const bytes = readFileSync(file)
  const end = bytes.indexOf('\n\n', 0, 'latin1')
  if (!bytes.subarray(0, BUNDLE_V2.length).equals(Buffer.from(BUNDLE_V2)) || end < 0) {
    throw new ZoiError('USAGE', `'${file}' is not a git bundle (v2); give a bare repository or 'git bundle create … --all' output`)
  }
  const refs: Record<string, string> = {}
  for (const line of bytes.subarray(BUNDLE_V2.length, end).toString('utf8').split('\n')) {
    if (line.startsWith('-')) {
      throw new ZoiError('USAGE', `'${file}' is an incremental bundle (it needs commit ${line.slice(1, 8)}); zoi takes only complete bundles`, { hint: 'make it with `git bundle create file.bundle --all`' })
    }
    const m = /^([0-9a-f]{40}) (refs\/\S+)$/.exec(line)
    if (m) refs[m[2]!] = m[1]!
  }
  const pack = bytes.subarray(end + 2)
  const name = `pack-${crypto().createHash('sha1').update(pack).digest('hex')}.pack`
  mkdirSync(join(gitdir, 'objects', 'pack'), { recursive: true })
  writeFileSync(join(gitdir, 'objects', 'pack', name), pack)
  await git.indexPack({ fs, dir: gitdir, gitdir, filepath: `objects/pack/${name}` })
  return refs
}
