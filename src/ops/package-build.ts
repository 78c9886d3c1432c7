/** `zoi package build`: build archives from a definition with this run's network edge and reporter. */
import { ARCHIVE_FORMATS, buildPackage, type ArchiveFormat, type BuiltArchive } from '../build/index.ts'
import { ZoiError } from '../errors.ts'
import type { Context } from '../context.ts'

export interface PackageBuildOptions {
  definition: string
  outputDir?: string
  platforms: string[]
  versionOverride?: string
  subs: string[]
  buildType?: string
  sourceDateEpoch?: number
  format?: ArchiveFormat
}

/** The format a registry's archive name asks for: Zoi's `.zpa` when its links name one. */
export function formatOfName(fileName: string): ArchiveFormat {
  return fileName.endsWith('.zpa') ? 'zpa' : 'pkg.tar.zst'
}

export function buildArchives(ctx: Context, opts: PackageBuildOptions): Promise<BuiltArchive[]> {
  return buildPackage({ ...opts, net: ctx.net, report: ctx.report })
}

/** `--format pkg.tar.zst|zpa` (a leading dot is accepted). */
export function parseArchiveFormat(given: string | undefined): ArchiveFormat | undefined {
  if (given === undefined) return undefined
  const format = given.replace(/^\./, '') as ArchiveFormat
  if (!ARCHIVE_FORMATS.includes(format)) throw new ZoiError('USAGE', `--format must be ${ARCHIVE_FORMATS.join(' or ')}, not '${given}'`)
  return format
}
