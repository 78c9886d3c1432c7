/**
 * Which acceptable version to try first. The order, first to last:
 *  1. for a package that is only needed as a dependency and is installed: the installed version
 *     (a dependency is not upgraded behind the user's back while it still fits);
 *  2. when no requirement names a version: the default version (SPEC §3) — the `stable` channel,
 *     else the alphabetically first channel, else the newest release;
 *  3. the rest newest first, releases before pre-releases.
 * The search backtracks through the later ones only when the first leads to a dead end.
 */
import type { CatalogPackage, InstalledPackage } from './catalog.ts'
import { channelsOf } from './requirement.ts'
import { compareVersions, isPrerelease } from './version.ts'

/** The version installed when none is asked for, or undefined if there are no rows. */
export function defaultVersion(rows: readonly CatalogPackage[]): string | undefined {
  const channels = channelsOf(rows)
  const names = Object.keys(channels).sort()
  const channel = 'stable' in channels ? 'stable' : names[0]
  const target = channel === undefined ? undefined : channels[channel]
  if (target !== undefined && rows.some((p) => compareVersions(p.version, target) === 0)) return target
  return (rows.find((p) => !isPrerelease(p.version)) ?? rows[0])?.version
}

export interface OptionContext {
  /** Every version of the identity, newest first (for channels). */
  readonly rows: readonly CatalogPackage[]
  /** Some requirement names a version, range or channel. */
  readonly explicit: boolean
  /** The user asked for this package. */
  readonly direct: boolean
  readonly installed?: InstalledPackage
}

/** Orders the acceptable rows (given newest first) by preference. */
export function orderOptions(accepted: readonly CatalogPackage[], context: OptionContext): CatalogPackage[] {
  const releases = accepted.filter((p) => !isPrerelease(p.version))
  const ordered = [...releases, ...accepted.filter((p) => isPrerelease(p.version))]
  const sameVersion = (version: string) => (p: CatalogPackage) => compareVersions(p.version, version) === 0
  const firsts: ((p: CatalogPackage) => boolean)[] = []
  const held = context.installed
  if (held && !context.direct) {
    firsts.push((p) => p.version === held.version && p.revision === held.revision, sameVersion(held.version))
  }
  const fallback = context.explicit ? undefined : defaultVersion(context.rows)
  if (fallback !== undefined) firsts.push(sameVersion(fallback))
  const first = firsts.map((test) => ordered.find(test)).find((p) => p !== undefined)
  if (first !== undefined) ordered.splice(ordered.indexOf(first), 1)
  return first === undefined ? ordered : [first, ...ordered]
}
