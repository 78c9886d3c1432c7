/**
 * Words for resolution results: one line per problem that a person can act on (who requires
 * what, and what is available), and a plan as text (`install d 1.4.0`), which is also the form
 * the resolver's table tests compare against.
 */
import type { Plan, PlanStep } from './plan.ts'
import { formatPackageKey } from './package-ref.ts'
import type { PackageLabel, Problem, RequirementNote } from './problem.ts'

export function explainProblems(problems: readonly Problem[]): string[] {
  return problems.map(explainProblem)
}

export function explainProblem(problem: Problem): string {
  switch (problem.kind) {
    case 'not-found':
      return `package '${problem.name}' not found${where(problem.scope)}${requiredBy(problem.requirement)}`
    case 'not-for-platform':
      return `${problem.name} is not available for ${problem.platform} (platforms: ${problem.platforms.join(', ')})${requiredBy(problem.requirement)}`
    case 'ambiguous':
      return `'${problem.name}' is in several places: ${problem.candidates.join(', ')}; name one, e.g. ${problem.candidates[0]}`
    case 'unknown-version':
      return `${problem.name} has no version '${problem.spec}'${requiredBy(problem.requirement)}; available: ${list(problem.available)}${channels(problem.channels)}`
    case 'unknown-channel':
      return `${problem.name} has no channel '${problem.channel}'${requiredBy(problem.requirement)}; ${problem.channels.length > 0 ? `channels: ${problem.channels.join(', ')}` : 'it has no channels'}`
    case 'channel-target-missing':
      return `channel '${problem.channel}' of ${problem.name} points to ${problem.version}, which the index does not have; available: ${list(problem.available)}`
    case 'no-sub-package':
      return `${problem.name} has no sub-package '${problem.sub}'${requiredBy(problem.requirement)}; ${problem.subPackages.length > 0 ? `sub-packages: ${problem.subPackages.join(', ')}` : 'it has none'}`
    case 'unsatisfiable':
      return `${problem.requirements.map(describeRequirement).join(' and ')}; available: ${problem.name} ${list(problem.available)}`
    case 'pinned':
      return `${problem.name} is pinned at ${problem.pinned}; ${describeRequirement(problem.requirement)}`
    case 'conflict':
      return `${label(problem.pkg)} conflicts with ${problem.installed ? 'installed ' : ''}${label(problem.other)}`
    case 'bad-dependency':
      return `${label(problem.pkg)}: ${problem.message}`
    case 'cycle':
      return `cycle: ${problem.path.join(' -> ')}`
    case 'too-complex':
      return `gave up after trying ${problem.steps} versions; ask for specific versions to narrow the search`
  }
}

/** `bar 2.0 requires zoi:foo@^2`, `installed app 1.0 requires …`, `requested foo@2`. */
export function describeRequirement(note: RequirementNote): string {
  if (note.by === null) return `requested ${note.text}`
  return `${note.installed ? 'installed ' : ''}${label(note.by)} requires ${note.text}`
}

/**
 * The plan as lines: `install d 1.4.0`, `upgrade foo 1.0 -> 2.0`, `install foo 1.0 [dev]`,
 * `external native:zlib`, `replace baz 1.0`. Names are qualified (`#h@repo/name`) when asked,
 * or when two packages in the plan share a name.
 */
export function describePlan(plan: Plan, options: { qualified?: boolean } = {}): string[] {
  const names = plan.steps.map((s) => s.pkg.name)
  const clash = new Set(names.filter((n, i) => names.indexOf(n) !== i))
  const show = (step: PlanStep) => (options.qualified || clash.has(step.pkg.name) ? formatPackageKey(step.pkg) : step.pkg.name)
  return [
    ...plan.steps.map((step) => {
      const subs = step.subs.length > 0 ? ` [${step.subs.join(', ')}]` : ''
      const from = step.from !== undefined && step.action !== 'reinstall' ? `${step.from.version} -> ` : ''
      return `${step.action} ${show(step)} ${from}${step.pkg.version}${subs}`
    }),
    ...plan.external.map((e) => `external ${e.dependency.raw}`),
    ...plan.replaced.map((held) => `replace ${held.name} ${held.version}`),
  ]
}

function label(pkg: PackageLabel): string {
  return `${pkg.name} ${pkg.version}`
}

function requiredBy(note: RequirementNote): string {
  return note.by === null ? '' : ` (required by ${note.installed ? 'installed ' : ''}${label(note.by)})`
}

function where(scope: { handle?: string; repo?: string }): string {
  const repo = scope.repo !== undefined ? ` in repo '${scope.repo}'` : ''
  const registry = scope.handle !== undefined ? `${repo ? ' of' : ' in'} registry '${scope.handle}'` : ''
  return repo + registry
}

function list(versions: readonly string[]): string {
  if (versions.length === 0) return 'none'
  return versions.length > 8 ? `${versions.slice(0, 3).join(', ')}, …, ${versions.slice(-4).join(', ')}` : versions.join(', ')
}

function channels(names: readonly string[]): string {
  return names.length > 0 ? `; channels: ${names.join(', ')}` : ''
}
