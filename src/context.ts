/**
 * What every operation needs to know about this run, passed explicitly (no globals):
 * where things live, the merged config, the network edge and where progress goes.
 */
import type { Config } from './config/index.ts'
import type { Layout } from './platform/layout.ts'
import type { Net } from './platform/net.ts'
import type { Report } from './progress.ts'

export interface Context {
  readonly layout: Layout
  readonly config: Config
  /** `--offline` or `offline_mode`; `net` already enforces it. */
  readonly offline: boolean
  readonly net: Net
  /** `--pkg-dir` flags then config `pkg_dirs` (host paths, never re-based). */
  readonly pkgDirs: readonly string[]
  readonly yes: boolean
  readonly report: Report
}
