/** `zoi package build`: build archives from a definition with this run's network edge, source cache and reporter. */
import { buildPackage, type BuiltArchive } from '../build/index.ts'
import type { Context } from '../context.ts'

export interface PackageBuildOptions {
  definition: string
  outputDir?: string
  platforms: string[]
  versionOverride?: string
  subs: string[]
  buildType?: string
  sourceDateEpoch?: number
  /** Run prepare() only, filling the source cache (`zoi source fetch`). */
  prepareOnly?: boolean
}

export function buildArchives(ctx: Context, opts: PackageBuildOptions): Promise<BuiltArchive[]> {
  const sourceCache = { dir: ctx.layout.sourceCacheDir, mirrors: ctx.config.source_mirrors }
  return buildPackage({ ...opts, net: ctx.net, sourceCache, report: ctx.report })
}
