/**
 * How search and `list --all` print a package: `handle/repo/name version`, then its description
 * indented on the next line. One function, used for live rows and for the pages of finished
 * text an index keeps for `list --all` (summary-pages.ts), so the two can never differ.
 */
import type { PackageSummaryRow } from './index-db.ts'

export interface PackageSummary {
  name: string
  registry: string
  repo: string
  version: string
  description: string
}

/** A package as search, list --all and show print it; `version` is the one `install <name>` picks. */
export function summaryOf(handle: string, p: PackageSummaryRow): PackageSummary {
  return { name: p.name, registry: handle, repo: p.repo, version: p.version ?? '', description: p.description }
}

export function summaryLine(p: PackageSummary): string {
  return `${p.registry}/${p.repo ? p.repo + '/' : ''}${p.name} ${p.version}${p.description ? `\n    ${p.description}` : ''}`
}
