/**
 * What the mirrored commit offers: its repo.yaml and its packages as evaluated for one target
 * platform. The index lives in the mirror's private state (`.zoi/index-<platform>.db`) and is
 * updated incrementally like a sync's: only definitions whose blobs changed are evaluated again.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ZoiError, describeError, isZoiError } from '../errors.ts'
import { platformString, type Platform } from '../platform/arch.ts'
import type { Report } from '../progress.ts'
import { IndexDb, indexRegistry, parseRepoYaml, type PackageRow, type RepoYaml } from '../registry/index.ts'
import { bareReader } from './bare-read.ts'
import { STATE_DIR } from './mirror-layout.ts'

/** repo.yaml of `commit` in the bare repository. */
export async function readRepoYamlAt(gitdir: string, commit: string): Promise<RepoYaml> {
  const reader = bareReader(gitdir, commit)
  const oid = (await reader.definitionBlobs()).get('repo.yaml')
  if (!oid) throw new ZoiError('BAD_DEFINITION', `registry commit ${commit.slice(0, 12)} has no repo.yaml at its root`, { hint: 'a registry needs a repo.yaml with at least a name' })
  return parseRepoYaml(new TextDecoder().decode(await reader.readBlob(oid)), 'repo.yaml')
}

/**
 * Every package of `commit` evaluated for `target`; definitions that fail become warnings. The
 * index is a private cache: one that cannot be read (a crash, a truncated file) is rebuilt.
 */
export async function indexCommit(root: string, gitdir: string, commit: string, target: Platform, report: Report): Promise<PackageRow[]> {
  const file = join(root, STATE_DIR, `index-${platformString(target)}.db`)
  try {
    return await indexInto(file, gitdir, commit, target, report)
  } catch (e) {
    if (isZoiError(e) && e.code !== 'INTEGRITY') throw e
    report({ kind: 'warn', text: `rebuilding the mirror's index ${file}: ${describeError(e)}` })
    await Promise.all(['', '-wal', '-shm', '-journal'].map((s) => rm(file + s, { force: true })))
    return await indexInto(file, gitdir, commit, target, report)
  }
}

async function indexInto(file: string, gitdir: string, commit: string, target: Platform, report: Report): Promise<PackageRow[]> {
  const reader = bareReader(gitdir, commit)
  const platform = platformString(target)
  const db = IndexDb.open(file)
  try {
    if (db.getMeta('head') !== commit) {
      const result = await indexRegistry({
        db,
        source: { blobs: await reader.definitionBlobs(), readBlob: (oid) => reader.readBlob(oid) },
        target,
        meta: { head: commit, platform },
        report,
      })
      for (const e of result.errors) report({ kind: 'warn', text: e.error })
    }
    return db.allPackages()
  } finally {
    db.close()
  }
}
