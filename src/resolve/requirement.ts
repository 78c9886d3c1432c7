/**
 * Requirements and what they mean against the catalog: which package identity
 * (`#handle@repo/name`) a name refers to, and which of its versions are acceptable.
 *
 * Name lookup: a real package of that name wins; only when none exists are `provides`
 * (virtual names) consulted. When several identities match: for a real name, the one in the
 * requiring package's own registry; else the one already chosen; else the installed one; else
 * the one in the default registry. Past that, a virtual name takes the first provider by
 * identity and a real name is ambiguous (a problem asking the user to qualify it).
 */
import { ANY_CONSTRAINT, isAnyConstraint, isExactConstraint, satisfies, tryParseConstraint, type Constraint } from './constraint.ts'
import { providedName, providedVersion, type CatalogPackage } from './catalog.ts'
import type { DependencySpec } from './dependency.ts'
import { type LookupContext, findProviders, findRows, rowsForKey } from './lookup.ts'
import { formatPackageKey, type PackageScope } from './package-ref.ts'
import { labelOf, type Problem, type RequirementNote } from './problem.ts'
import type { NameSource } from './source.ts'
import { compareVersions } from './version.ts'

/** What version a requirement wants, before the catalog is consulted. */
export type Want =
  | { kind: 'default' }
  | { kind: 'constraint'; constraint: Constraint }
  /** `@@x`: must be a channel. */
  | { kind: 'channel'; channel: string }
  /** `@x`: a channel if the package has one by that name, else a constraint, else a literal version. */
  | { kind: 'spec'; spec: string }

export interface Requirement {
  readonly name: string
  readonly scope: PackageScope
  readonly sub?: string
  readonly want: Want
  /** The package that depends on this, or null for the user's request. */
  readonly from: CatalogPackage | null
  /** Position in the dependent's dependency list: keeps install order stable. */
  readonly index: number
  readonly note: RequirementNote
}

/** A requirement tied to one identity, with the test its versions must pass. */
export interface Bound {
  readonly key: string
  readonly req: Requirement
  /** False when the requirement leaves the version open (the default version is preferred). */
  readonly explicit: boolean
  readonly accepts: (pkg: CatalogPackage) => boolean
}

export type BindResult = { ok: true; bound: Bound; rows: CatalogPackage[] } | { ok: false; problem: Problem }

export function requirementFromSource(source: NameSource, index: number): Requirement {
  const want: Want =
    source.channel !== undefined ? { kind: 'channel', channel: source.channel }
    : source.versionSpec !== undefined ? { kind: 'spec', spec: source.versionSpec }
    : { kind: 'default' }
  const scope = { ...(source.handle ? { handle: source.handle } : {}), ...(source.repo ? { repo: source.repo } : {}) }
  const sub = source.sub ? { sub: source.sub } : {}
  return { name: source.name, scope, ...sub, want, from: null, index, note: { by: null, text: source.raw } }
}

export function requirementFromDependency(dep: DependencySpec, from: CatalogPackage | null, index: number): Requirement {
  const want: Want =
    dep.channel !== undefined
      ? dep.versionSpec?.startsWith('@') ? { kind: 'channel', channel: dep.channel } : { kind: 'spec', spec: dep.channel }
      : isAnyConstraint(dep.constraint) ? { kind: 'default' }
      : { kind: 'constraint', constraint: dep.constraint }
  const scope = { ...(dep.handle ? { handle: dep.handle } : {}), ...(dep.repo ? { repo: dep.repo } : {}) }
  const note = { by: from ? labelOf(from) : null, text: dep.raw }
  return { name: dep.name, scope, ...(dep.sub ? { sub: dep.sub } : {}), want, from, index, note }
}

/** Finds the identity a requirement refers to and builds its version test. Pure given `chosen`. */
export function bindRequirement(req: Requirement, ctx: LookupContext, chosen: ReadonlyMap<string, unknown>): BindResult {
  const real = findRows(ctx, req.name, req.scope)
  const virtual = real.rows.length > 0 ? undefined : findProviders(ctx, req.name, req.scope)
  const rows = virtual?.rows ?? real.rows
  if (rows.length === 0) {
    const hidden = [...real.hidden, ...(virtual?.hidden ?? [])]
    if (hidden.length > 0 && ctx.platform !== undefined) {
      const platforms = [...new Set(hidden.flatMap((p) => p.platforms))].sort()
      return fail({ kind: 'not-for-platform', name: req.name, platform: ctx.platform, platforms, requirement: req.note })
    }
    return fail({ kind: 'not-found', name: req.name, scope: req.scope, requirement: req.note })
  }
  const keys = [...new Set(rows.map(formatPackageKey))].sort()
  const key = chooseKey(keys, req, ctx, chosen, virtual !== undefined)
  if (key === undefined) return fail({ kind: 'ambiguous', name: req.name, candidates: keys, requirement: req.note })
  const all = rowsForKey(ctx, key)
  const test = virtual ? virtualTest(req) : versionTest(req, all)
  if ('problem' in test) return test
  const sub = req.sub
  if (sub !== undefined && !all.some((p) => p.subPackages.includes(sub))) {
    const subPackages = [...new Set(all.flatMap((p) => p.subPackages))].sort()
    return fail({ kind: 'no-sub-package', name: req.name, sub, subPackages, requirement: req.note })
  }
  const accepts = sub === undefined ? test.accepts : (pkg: CatalogPackage) => pkg.subPackages.includes(sub) && test.accepts(pkg)
  return { ok: true, bound: { key, req, explicit: test.explicit, accepts }, rows: ctx.pinnedRows(key) ?? all }
}

type VersionTest = { explicit: boolean; accepts: (pkg: CatalogPackage) => boolean } | { ok: false; problem: Problem }

function versionTest(req: Requirement, rows: CatalogPackage[]): VersionTest {
  const { want, note, name } = req
  if (want.kind === 'default') return { explicit: false, accepts: () => true }
  if (want.kind === 'constraint') return byConstraint(want.constraint)
  const spec = want.kind === 'channel' ? want.channel : want.spec
  const channels = channelsOf(rows)
  const target = channels[spec]
  if (target !== undefined) {
    if (!rows.some((p) => compareVersions(p.version, target) === 0)) {
      return fail({ kind: 'channel-target-missing', name, channel: spec, version: target, available: versionsOf(rows) })
    }
    return { explicit: true, accepts: (pkg) => compareVersions(pkg.version, target) === 0 }
  }
  const unknown = (): VersionTest =>
    want.kind === 'channel'
      ? fail({ kind: 'unknown-channel', name, channel: spec, channels: Object.keys(channels).sort(), requirement: note })
      : fail({ kind: 'unknown-version', name, spec, available: versionsOf(rows), channels: Object.keys(channels).sort(), requirement: note })
  if (want.kind === 'channel') return unknown()
  const constraint = tryParseConstraint(spec)
  if (constraint === undefined) {
    return rows.some((p) => p.version === spec) ? { explicit: true, accepts: (pkg) => pkg.version === spec } : unknown()
  }
  // SPEC FIX: an exact version the index does not know is an error, never a guess.
  if (isExactConstraint(constraint) && !rows.some((p) => satisfies(p.version, constraint))) return unknown()
  return byConstraint(constraint)
}

function virtualTest(req: Requirement): VersionTest {
  const { want } = req
  const constraint =
    want.kind === 'constraint' ? want.constraint
    : want.kind === 'spec' ? (tryParseConstraint(want.spec) ?? ANY_CONSTRAINT)
    : ANY_CONSTRAINT
  const open = isAnyConstraint(constraint)
  return {
    explicit: !open,
    accepts: (pkg) =>
      pkg.provides.some((entry) => {
        if (providedName(entry) !== req.name) return false
        const version = providedVersion(entry)
        return open || (version !== undefined && satisfies(version, constraint))
      }),
  }
}

function byConstraint(constraint: Constraint): VersionTest {
  return { explicit: !isAnyConstraint(constraint), accepts: (pkg) => satisfies(pkg.version, constraint) }
}

function chooseKey(keys: string[], req: Requirement, ctx: LookupContext, chosen: ReadonlyMap<string, unknown>, virtual: boolean): string | undefined {
  if (keys.length === 1) return keys[0]
  const inHandle = (handle: string | undefined) => keys.filter((k) => handle !== undefined && k.startsWith(`#${handle}@`))
  const own = inHandle(req.from?.handle)
  if (!virtual && own.length === 1) return own[0]
  const picked = keys.find((k) => chosen.has(k)) ?? keys.find((k) => ctx.installedByKey.has(k))
  if (picked !== undefined) return picked
  for (const mine of [own, inHandle(ctx.defaultHandle)]) {
    if (mine.length === 1 || (virtual && mine.length > 1)) return mine[0]
    if (mine.length > 1) return undefined
  }
  return virtual ? keys[0] : undefined
}

/** The `versions` map of the newest definition that has one. */
export function channelsOf(rows: readonly CatalogPackage[]): Record<string, string> {
  return rows.find((p) => Object.keys(p.channels).length > 0)?.channels ?? {}
}

/** Versions, oldest first, for "available: …" lists. */
export function versionsOf(rows: readonly CatalogPackage[]): string[] {
  return [...new Set(rows.map((p) => p.version))].sort(compareVersions)
}

function fail(problem: Problem): { ok: false; problem: Problem } {
  return { ok: false, problem }
}
