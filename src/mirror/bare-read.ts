/**
 * Reading the mirrored commit straight from `registry.git` (no working tree): the definition
 * blobs the indexer wants, blob bytes, and one package folder written out to disk for a
 * `package build` (a definition may INCLUDE files next to it).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { git } from '../registry/git-lib.ts'
import { ZoiError } from '../errors.ts'
import { gitFs as fs } from '../registry/git-swap.ts'

export interface BareReader {
  /** path → blob id of every `.lua` file and the root `repo.yaml` at `commit`. */
  definitionBlobs(): Promise<Map<string, string>>
  readBlob(oid: string): Promise<Uint8Array>
  /** Writes the folder `path` of the commit (recursively) into `dest`. */
  checkout(path: string, dest: string): Promise<void>
}

export function bareReader(gitdir: string, commit: string): BareReader {
  const cache = {}
  const rootTree = async () => (await git.readCommit({ fs, gitdir, oid: commit, cache })).commit.tree

  async function walk(tree: string, prefix: string, visit: (path: string, oid: string, mode: string) => void): Promise<void> {
    for (const e of (await git.readTree({ fs, gitdir, oid: tree, cache })).tree) {
      if (e.type === 'tree') await walk(e.oid, `${prefix}${e.path}/`, visit)
      else if (e.type === 'blob') visit(prefix + e.path, e.oid, e.mode)
    }
  }

  return {
    async definitionBlobs() {
      const found = new Map<string, string>()
      await walk(await rootTree(), '', (path, oid) => {
        if (path.endsWith('.lua') || path === 'repo.yaml') found.set(path, oid)
      })
      return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    },
    async readBlob(oid) {
      return (await git.readBlob({ fs, gitdir, oid, cache })).blob
    },
    async checkout(path, dest) {
      let tree = await rootTree()
      for (const part of path.split('/').filter(Boolean)) {
        const entry = (await git.readTree({ fs, gitdir, oid: tree, cache })).tree.find((e) => e.path === part && e.type === 'tree')
        if (!entry) throw new ZoiError('NOT_FOUND', `folder '${path}' is not in registry commit ${commit.slice(0, 12)}`)
        tree = entry.oid
      }
      const files: [string, string, string][] = []
      await walk(tree, '', (p, oid, mode) => files.push([p, oid, mode]))
      for (const [p, oid, mode] of files) {
        // Tree entry names come from the registry: isomorphic-git refuses `..` and `/` in them.
        const file = join(dest, ...p.split('/'))
        await mkdir(join(file, '..'), { recursive: true })
        await writeFile(file, (await git.readBlob({ fs, gitdir, oid, cache })).blob, { mode: mode === '100755' ? 0o755 : 0o644 })
      }
    },
  }
}
