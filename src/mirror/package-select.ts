/**
 * Which packages and versions a mirror carries: every package (`--all`) or the named ones with
 * their runtime dependencies from the same registry, each at every version the definition
 * names (`version` and the channels), for each platform the definition admits.
 */
import { ZoiError } from '../errors.ts'
import { platformAllowed, type Platform } from '../platform/arch.ts'
import type { PackageRow } from '../registry/index.ts'
import type { MirroredArchive } from './mirror-layout.ts'

export interface Selection {
  all: boolean
  /** `name` or `repo/name`. */
  names: readonly string[]
  /** The zoi dependency names of a package in this registry (`repo/name` or `name`). */
  dependencies: (row: PackageRow) => string[]
}

export interface ArchiveItem extends MirroredArchive {
  row: PackageRow
}

export function selectPackages(rows: readonly PackageRow[], sel: Selection): PackageRow[] {
  if (sel.all) return [...rows]
  const matches = (name: string) => rows.filter((r) => r.name === name || `${r.repo}/${r.name}` === name)
  const unknown = sel.names.filter((n) => matches(n).length === 0)
  if (unknown.length > 0) {
    throw new ZoiError('NOT_FOUND', `package${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')} not found in the mirrored registry`, {
      hint: "check the names with 'zoi search', or use --all",
    })
  }
  const chosen = new Set<PackageRow>()
  const queue = sel.names.flatMap(matches)
  while (queue.length > 0) {
    const row = queue.shift()!
    if (chosen.has(row)) continue
    chosen.add(row)
    // A dependency this registry does not have is another registry's business (or external).
    for (const dep of sel.dependencies(row)) queue.push(...matches(dep))
  }
  return rows.filter((r) => chosen.has(r))
}

/** One item per package, version and admitted platform. */
export function archiveItems(rows: readonly PackageRow[], platform: Platform): ArchiveItem[] {
  return rows
    .filter((row) => platformAllowed(row.platforms, platform))
    .flatMap((row) =>
      [...new Set([...(row.version ? [row.version] : []), ...Object.values(row.channels)])].map((version) => ({
        row, name: row.name, version, repo: row.repo, os: platform.os, arch: platform.arch,
      })),
    )
}
