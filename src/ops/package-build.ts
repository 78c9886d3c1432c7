/** `zoi package build`: build archives from a definition with this run's network edge and reporter. */
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
}

export function buildArchives(ctx: Context, opts: PackageBuildOptions): Promise<BuiltArchive[]> {
  return buildPackage({ ...opts, net: ctx.net, report: ctx.report })
}
