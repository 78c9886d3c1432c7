/**
 * Source builds during install: with `--build`, or for a registry package whose registry names
 * no pre-built archives (`pkg:` links) and that no pkg-dir or cache holds (as Zoi does). The
 * definition from the registry clone is built with `package build` into a staging folder on the
 * root's filesystem; the archive then goes through the same verify-and-apply path as any other,
 * checked against the sidecars the build wrote beside it. When the registry names `.zsa` source
 * bundles (source-main/source-mirror links) and one is in a pkg-dir, the cache or downloadable,
 * the build uses it, with prepare() skipped (SPEC §9).
 */
import { rm } from 'node:fs/promises'
import { fetchArchives, locateArchive } from '../cache/index.ts'
import type { Context } from '../context.ts'
import { describeError, isZoiError } from '../errors.ts'
import { hostPlatform, platformString } from '../platform/arch.ts'
import { makeStagingDir } from '../platform/fs.ts'
import type { PreparedStep } from './install-prepare.ts'
import { buildArchives, formatOfName } from './package-build.ts'

export interface SourceBuildOptions {
  /** `--build`: build every registry package of the plan, even when an archive exists. */
  always: boolean
  buildType?: string
}

/** The steps that will be built from source. */
export async function stepsToBuild(ctx: Context, prepared: readonly PreparedStep[], opts: SourceBuildOptions): Promise<PreparedStep[]> {
  const out: PreparedStep[] = []
  for (const p of prepared) {
    if (!p.definition) continue
    if (!opts.always) {
      if (p.prebuilt) continue
      if (await locateArchive({ fileName: p.item.fileName, pkgDirs: ctx.pkgDirs, cacheDir: ctx.layout.cacheDir })) continue
    }
    out.push(p)
  }
  return out
}

/**
 * Builds `steps` and points their fetch items at the result. Returns the folder holding the
 * built archives (search it first) and a cleanup, or undefined when nothing was built.
 */
export async function buildFromSource(ctx: Context, steps: PreparedStep[], opts: SourceBuildOptions): Promise<{ dir: string; cleanup: () => Promise<void> } | undefined> {
  if (steps.length === 0) return undefined
  const dir = await makeStagingDir(ctx.layout.tmpDir, 'build-')
  const cleanup = () => rm(dir, { recursive: true, force: true })
  try {
    for (const p of steps) {
      const pkg = p.step.pkg
      ctx.report({ kind: 'phase', phase: 'build', text: `building ${pkg.name} ${pkg.version} from source` })
      await buildArchives(ctx, {
        definition: (await findBundle(ctx, p)) ?? p.definition!,
        outputDir: dir,
        platforms: [platformString(hostPlatform())],
        versionOverride: pkg.version,
        subs: [],
        buildType: opts.buildType,
        // The file the registry's links name is the file the install looks for.
        format: formatOfName(p.item.fileName),
        // Build dependencies were installed first: their commands are on the build's PATH.
        toolDirs: [ctx.layout.binDir],
      })
      // Built here: the index's hash describes the registry's pre-built archive, not this one.
      p.item = { fileName: p.item.fileName, candidates: [], hashRequired: false }
    }
  } catch (e) {
    await cleanup()
    throw e
  }
  return { dir, cleanup }
}

/**
 * The package's `.zsa`, verified like any archive (pkg-dir, cache, then a download when online).
 * Not finding one falls back to the definition; a bad one (exit 6) stops the install.
 */
async function findBundle(ctx: Context, p: PreparedStep): Promise<string | undefined> {
  if (!p.bundle) return undefined
  try {
    const [got] = await fetchArchives([p.bundle], { net: ctx.net, cacheDir: ctx.layout.cacheDir, pkgDirs: ctx.pkgDirs, report: ctx.report })
    return got!.path
  } catch (e) {
    if (!isZoiError(e) || !['NETWORK', 'NOT_FOUND', 'OFFLINE'].includes(e.code)) throw e
    ctx.report({ kind: 'info', text: `no source bundle ${p.bundle.fileName} (${describeError(e).split('\n')[0]}); building from the definition` })
    return undefined
  }
}
