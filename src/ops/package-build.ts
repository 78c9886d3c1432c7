/**
 * `zoi package build|bundle`: build archives from a definition or a `.zsa` source bundle (whose
 * prepare() output is used instead of running prepare()), and bundle a definition's sources,
 * with this run's network edge and reporter.
 */
import { rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { ARCHIVE_FORMATS, buildPackage, bundleSource, unpackBundle, type ArchiveFormat, type BuiltArchive, type BuiltBundle } from '../build/index.ts'
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { makeStagingDir } from '../platform/fs.ts'

export interface PackageBuildOptions {
  /** A `.pkg.lua`, or a `.zsa` source bundle. */
  definition: string
  outputDir?: string
  platforms: string[]
  versionOverride?: string
  subs: string[]
  buildType?: string
  sourceDateEpoch?: number
  format?: ArchiveFormat
}

export function isBundlePath(path: string): boolean {
  return path.toLowerCase().endsWith('.zsa')
}

export async function buildArchives(ctx: Context, opts: PackageBuildOptions): Promise<BuiltArchive[]> {
  if (!isBundlePath(opts.definition)) return buildPackage({ ...opts, net: ctx.net, report: ctx.report })
  const bundle = resolve(opts.definition)
  const temp = await makeStagingDir(ctx.layout.tmpDir, 'zsa-')
  try {
    const unpacked = await unpackBundle(bundle, join(temp, 'src'))
    ctx.report({ kind: 'info', text: `building from the source bundle ${bundle} (prepare() skipped)` })
    return await buildPackage({
      ...opts,
      definition: unpacked.definition,
      // As Zoi: next to the bundle unless told otherwise.
      outputDir: opts.outputDir ?? dirname(bundle),
      prepared: unpacked.dir,
      net: ctx.net,
      report: ctx.report,
      tempDir: ctx.layout.tmpDir,
    })
  } finally {
    await rm(temp, { recursive: true, force: true })
  }
}

export function bundleSources(ctx: Context, opts: { definition: string; outputDir?: string; versionOverride?: string; buildType?: string; sourceDateEpoch?: number }): Promise<BuiltBundle> {
  return bundleSource({ ...opts, net: ctx.net, report: ctx.report })
}

/** The format a registry's archive name asks for: Zoi's `.zpa` when its links name one. */
export function formatOfName(fileName: string): ArchiveFormat {
  return fileName.endsWith('.zpa') ? 'zpa' : 'pkg.tar.zst'
}

/** `--format pkg.tar.zst|zpa` (a leading dot is accepted). */
export function parseArchiveFormat(given: string | undefined): ArchiveFormat | undefined {
  if (given === undefined) return undefined
  const format = given.replace(/^\./, '') as ArchiveFormat
  if (!ARCHIVE_FORMATS.includes(format)) throw new ZoiError('USAGE', `--format must be ${ARCHIVE_FORMATS.join(' or ')}, not '${given}'`)
  return format
}
