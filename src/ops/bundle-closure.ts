/**
 * `bundle create --closure build`: for every package of a plan that has no pre-built archive
 * (its registry names no `pkg:` links, and no pkg-dir or cache holds one), the far side builds it
 * from source — so the bundle carries its sources (recorded by running `prepare()` here, online)
 * and the archives of its required `zoi:` build dependencies, recursively: a build dependency
 * without an archive is built too, from sources carried the same way.
 */
import { locateArchive } from '../cache/index.ts'
import type { Context } from '../context.ts'
import { ZoiError, isZoiError } from '../errors.ts'
import type { Platform } from '../platform/arch.ts'
import { planForPlatform, type PlatformPlan, type PlatformStep, type RegistryAtCommit } from './bundle-plan.ts'
import { sourceFetch } from './source.ts'

export interface BuildClosure {
  /** `handle/name@version` of every package the far side builds from source. */
  built: Set<string>
  /** Build dependencies (and their runtime closures) not already in the plan. */
  dependencies: PlatformStep[]
}

export const stepKey = (s: PlatformStep): string => `${s.step.pkg.handle}/${s.step.pkg.name}@${s.step.pkg.version}`

export async function buildClosure(ctx: Context, registries: readonly RegistryAtCommit[], plan: PlatformPlan, platform: Platform, work: string): Promise<BuildClosure> {
  const built = new Set<string>()
  const dependencies: PlatformStep[] = []
  const seen = new Set(plan.steps.map(stepKey))
  let frontier = plan.steps
  // Each round resolves the build dependencies of what the previous round found to build.
  for (let round = 0; round < 16 && frontier.length > 0; round++) {
    const wanted = []
    for (const s of frontier) {
      if (s.prebuilt || (await locateArchive({ fileName: s.item.fileName, pkgDirs: ctx.pkgDirs, cacheDir: ctx.layout.cacheDir }))) continue
      built.add(stepKey(s))
      wanted.push(...s.buildDependencies)
    }
    if (wanted.length === 0) break
    const sub = await planForPlatform(ctx, registries, wanted, platform, work)
    frontier = sub.steps.filter((s) => !seen.has(stepKey(s)) && (seen.add(stepKey(s)), true))
    dependencies.push(...frontier)
  }
  return { built, dependencies }
}

/** Runs `prepare()` of every package to build with the source cache recording (online). */
export async function recordSources(ctx: Context, names: readonly string[]): Promise<void> {
  if (names.length === 0) return
  if (ctx.net.offline) {
    ctx.report({ kind: 'warn', text: `offline: the sources of ${names.join(', ')} are carried as far as the source cache has them` })
    return
  }
  ctx.report({ kind: 'phase', phase: 'bundle', text: `Recording the sources of ${names.join(', ')}` })
  try {
    await sourceFetch(ctx, names)
  } catch (e) {
    if (!isZoiError(e)) throw e
    throw new ZoiError(e.code, `cannot record the sources a build closure needs: ${e.message}`, { hint: e.hint, cause: e })
  }
}
