/**
 * Makes a bare repository servable by any static host (git's "dumb" HTTP): packs the loose
 * objects into one new pack, then writes what `git update-server-info` writes — the pack list
 * `objects/info/packs` and the ref list `info/refs`. Each run adds at most one pack (of what the
 * run added), so a client that synced before downloads only the new pack.
 *
 * Order matters for clients reading while this runs: the new pack and its index land first,
 * then the pack list, then the loose copies go, and `info/refs` — what a static client reads
 * first — moves last, so it never names a commit whose objects are not reachable yet.
 */
import { mkdir, readdir, rename, rmdir, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { git } from '../registry/git-lib.ts'
import { gitFs as fs } from '../registry/git-swap.ts'

/** Refs kept private to the mirror (its upstream bookmark) are not advertised. */
const PRIVATE_REFS = /^refs\/zoi\//

export async function updateServerInfo(gitdir: string): Promise<{ packed: number }> {
  const loose = await looseObjects(gitdir)
  if (loose.length > 0) {
    const cache = {}
    const { filename } = await git.packObjects({ fs, gitdir, oids: loose, write: true, cache })
    await git.indexPack({ fs, dir: gitdir, gitdir, filepath: `objects/pack/${filename}`, cache })
  }
  const packs = (await readdir(join(gitdir, 'objects', 'pack')).catch(() => [] as string[]))
    .filter((n) => /^pack-[0-9a-f]+\.pack$/.test(n) && !n.startsWith('tmp-'))
    .sort()
  await mkdir(join(gitdir, 'objects', 'info'), { recursive: true })
  await writeAtomic(join(gitdir, 'objects', 'info', 'packs'), packs.map((p) => `P ${p}\n`).join('') + '\n')
  for (const oid of loose) {
    await unlink(join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2))).catch(() => undefined)
    await rmdir(join(gitdir, 'objects', oid.slice(0, 2))).catch(() => undefined) // only when empty
  }
  const lines: string[] = []
  for (const ref of (await git.listRefs({ fs, gitdir, filepath: 'refs' })).map((r) => `refs/${r}`).sort()) {
    if (PRIVATE_REFS.test(ref)) continue
    lines.push(`${await git.resolveRef({ fs, gitdir, ref })}\t${ref}\n`)
  }
  await mkdir(join(gitdir, 'info'), { recursive: true })
  await writeAtomic(join(gitdir, 'info', 'refs'), lines.join(''))
  return { packed: loose.length }
}

async function looseObjects(gitdir: string): Promise<string[]> {
  const objects = join(gitdir, 'objects')
  const out: string[] = []
  for (const dir of await readdir(objects).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue
    for (const name of await readdir(join(objects, dir))) if (/^[0-9a-f]{38}$/.test(name)) out.push(dir + name)
  }
  return out.sort()
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(path + '.tmp', text)
  await rename(path + '.tmp', path)
}
