/**
 * The base-url commit: one commit on top of the upstream head whose only change is `repo.yaml`,
 * pointing `pkg:` and `git:` main at the mirror. The upstream's own links stay as `type: mirror`
 * entries after it (a client falls back to them when the mirror lacks a file). The commit is
 * deterministic — fixed author, the upstream commit's time — so re-running on an unchanged
 * upstream yields the same id and clients see no change.
 */
import { git } from '../registry/git-lib.ts'
import { ZoiError } from '../errors.ts'
import { gitFs as fs } from '../registry/git-swap.ts'
import { mirrorGitUrl, mirrorPkgLink } from './mirror-layout.ts'

type Entry = Record<string, unknown>

/** The yaml library, loaded on first use so that start-up does not pay for it. */
const yaml = (): typeof import('yaml') => require('yaml')

/** repo.yaml with the mirror's links first; keys, comments and other entries are kept. */
export function rewriteRepoYaml(text: string, baseUrl: string): string {
  const doc = yaml().parseDocument(text)
  if (doc.errors.length > 0) throw new ZoiError('BAD_DEFINITION', `repo.yaml: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`)
  const links = (doc.get('pkg') as { toJSON?: () => unknown } | undefined)?.toJSON?.()
  const first = Array.isArray(links) ? (links as Entry[]).find((l) => l?.type === undefined || l.type === 'main' || l.type === 'mirror') : undefined
  const own = mirrorPkgLink(baseUrl, typeof first?.url === 'string' && first.url.endsWith('.zpa') ? '.zpa' : '.pkg.tar.zst')
  const pkg = [{ ...own } as Entry, ...demote(doc.get('pkg'), own.url)]
  const gitUrl = mirrorGitUrl(baseUrl)
  const gitLinks = [{ type: 'main', url: gitUrl } as Entry, ...demote(doc.get('git'), gitUrl)]
  doc.set('pkg', doc.createNode(pkg))
  doc.set('git', doc.createNode(gitLinks))
  return doc.toString()
}

/** The existing entries of a link list, as mirrors (`source-mirror` for source links), without the one pointing at `ours`. */
function demote(node: unknown, ours: string): Entry[] {
  const list = (node as { toJSON?: () => unknown } | undefined)?.toJSON?.()
  if (!Array.isArray(list)) return []
  return list
    .filter((e): e is Entry => typeof e === 'object' && e !== null && typeof (e as Entry).url === 'string' && (e as Entry).url !== ours)
    .map((e) => ({ ...e, type: typeof e.type === 'string' && e.type.startsWith('source-') ? 'source-mirror' : 'mirror' }))
}

/** Writes the base-url commit on top of `upstream` and returns its id. */
export async function commitBaseUrl(gitdir: string, upstream: string, baseUrl: string): Promise<string> {
  const cache = {}
  const { commit } = await git.readCommit({ fs, gitdir, oid: upstream, cache })
  const { tree } = await git.readTree({ fs, gitdir, oid: commit.tree, cache })
  const entry = tree.find((e) => e.path === 'repo.yaml' && e.type === 'blob')
  if (!entry) throw new ZoiError('BAD_DEFINITION', `registry commit ${upstream.slice(0, 12)} has no repo.yaml at its root`, { hint: 'a registry needs a repo.yaml with at least a name' })
  const { blob } = await git.readBlob({ fs, gitdir, oid: entry.oid, cache })
  const text = rewriteRepoYaml(new TextDecoder().decode(blob), baseUrl)
  const oid = await git.writeBlob({ fs, gitdir, blob: new TextEncoder().encode(text) })
  const newTree = await git.writeTree({ fs, gitdir, tree: tree.map((e) => (e === entry ? { ...e, oid } : e)) })
  const who = { name: 'zoi mirror', email: 'zoi@localhost', timestamp: commit.committer.timestamp, timezoneOffset: 0 }
  return await git.writeCommit({
    fs,
    gitdir,
    commit: { message: `zoi mirror: serve archives and the registry from ${baseUrl}\n`, tree: newTree, parent: [upstream], author: who, committer: who },
  })
}
