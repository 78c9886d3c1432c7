/**
 * The search: pick one version per package identity so that every requirement, conflict and
 * pin holds.
 *
 * Requirements are processed from a queue (requests first, then the dependencies of each
 * chosen version). A requirement on an identity not yet decided is only recorded (and checked
 * for feasibility); decisions are taken when the queue is empty, one identity at a time, in
 * the order of decision-order.ts, each from the versions that pass every requirement recorded
 * for it, in preference order (preference.ts). A requirement on a decided identity only checks
 * the decision, so dependency cycles terminate by construction.
 *
 * On a dead end the search jumps straight back to a choice that took part in it
 * (conflict-directed backjumping), not merely to the latest one. It is bounded by `maxSteps`
 * versions tried. The problem reported is the one met deepest in the queue: the path that got
 * furthest, which for the usual single cause is exactly that cause.
 */
import type { CatalogPackage } from './catalog.ts'
import { conflictBetween, installedNeedsOf } from './conflict.ts'
import { rankNames } from './decision-order.ts'
import { parseDependency } from './dependency.ts'
import { rowsForKey, type LookupContext } from './lookup.ts'
import { formatPackageKey } from './package-ref.ts'
import { orderOptions } from './preference.ts'
import { createRankQueue } from './rank-queue.ts'
import { labelOf, type Problem } from './problem.ts'
import { bindRequirement, requirementFromDependency, versionsOf, type Bound, type Requirement } from './requirement.ts'

export interface SolvedNode {
  readonly key: string
  readonly pkg: CatalogPackage
  /** The requirements that led to this package, in the order they were met. */
  readonly bounds: readonly Bound[]
}

export type SolveResult = { ok: true; nodes: ReadonlyMap<string, SolvedNode> } | { ok: false; problems: Problem[] }

/** A bound requirement and the choice point whose package introduced it (-1 = the request). */
interface Entry {
  readonly bound: Bound
  readonly origin: number
}

interface ChoicePoint {
  readonly qi: number
  readonly key: string
  /** Choice points that introduced the requirements the options were filtered by. */
  readonly origins: readonly number[]
  readonly options: readonly CatalogPackage[]
  next: number
  readonly queueLength: number
  readonly trailLength: number
  /** Earlier choice points that took part in the failures of this one's options. */
  readonly culprits: Set<number>
}

export function solve(requests: readonly Requirement[], ctx: LookupContext, maxSteps: number): SolveResult {
  const rank = rankNames(requests, ctx)
  const queue: Requirement[] = [...requests]
  const origins: number[] = requests.map(() => -1)
  const chosen = new Map<string, CatalogPackage>()
  const chosenAt = new Map<string, number>()
  const declaring = new Map<string, CatalogPackage>()
  const entries = new Map<string, Entry[]>()
  const trail: (() => void)[] = []
  const choices: ChoicePoint[] = []
  const needs = installedNeedsOf(ctx)
  const parsed = new Map<string, Requirement[] | Problem>()
  const agenda = createRankQueue()
  let qi = 0
  let steps = 0
  let exhausted = false
  let deepest: { depth: number; problem: Problem } | undefined

  const fail = (problem: Problem): void => {
    if (deepest === undefined || qi > deepest.depth) deepest = { depth: qi, problem }
  }
  const rowsOf = (key: string): CatalogPackage[] => ctx.pinnedRows(key) ?? rowsForKey(ctx, key)
  const dependenciesOf = (pkg: CatalogPackage): Requirement[] | Problem => {
    const id = `${formatPackageKey(pkg)}@${pkg.version}-${pkg.revision}`
    const result = parsed.get(id) ?? readDependencies(pkg)
    parsed.set(id, result)
    return result
  }
  /** Why an option cannot be taken, and which earlier choice took part; undefined if it can. */
  const reject = (option: CatalogPackage, key: string): { problem: Problem; culprit?: number } | undefined => {
    const deps = dependenciesOf(option)
    if ('kind' in deps) return { problem: deps }
    const clash = conflictBetween(option, key, chosen, declaring, ctx)
    if (clash === undefined) return undefined
    return clash.with === undefined ? clash : { ...clash, culprit: chosenAt.get(clash.with) ?? -1 }
  }
  /**
   * Goes back to the latest choice point among `culprits` and resumes it with its next option.
   * An exhausted choice point hands its own culprits, and the choices that introduced its
   * requirements, further back. False when no choice can help (or the budget is spent).
   */
  const backjump = (culprits: Iterable<number>): boolean => {
    let blame = new Set(culprits)
    for (;;) {
      const target = Math.max(-1, ...blame)
      if (target < 0) return false
      choices.length = target + 1
      const cp = choices[target] as ChoicePoint
      for (const c of blame) if (c < target) cp.culprits.add(c)
      while (trail.length > cp.trailLength) trail.pop()?.()
      queue.length = origins.length = cp.queueLength
      qi = cp.qi
      while (cp.next < cp.options.length) {
        if (steps >= maxSteps) {
          exhausted = true
          return false
        }
        steps++
        const option = cp.options[cp.next++] as CatalogPackage
        const rejected = reject(option, cp.key)
        if (rejected !== undefined) {
          fail(rejected.problem)
          if (rejected.culprit !== undefined && rejected.culprit >= 0) cp.culprits.add(rejected.culprit)
          continue
        }
        chosen.set(cp.key, option)
        chosenAt.set(cp.key, target)
        if (option.conflicts.length > 0) declaring.set(cp.key, option)
        trail.push(() => {
          chosen.delete(cp.key)
          chosenAt.delete(cp.key)
          declaring.delete(cp.key)
          agenda.push(cp.key, rankOf(cp.key))
        })
        for (const dep of dependenciesOf(option) as Requirement[]) {
          queue.push(dep)
          origins.push(target)
        }
        return true
      }
      blame = new Set([...cp.culprits, ...cp.origins])
    }
  }
  const keyRanks = new Map<string, number>()
  const rankOf = (key: string): number => {
    let r = keyRanks.get(key)
    if (r === undefined) keyRanks.set(key, (r = rank.get(rowsOf(key)[0]?.name ?? '') ?? Number.MAX_SAFE_INTEGER))
    return r
  }
  const record = (key: string, entry: Entry): Entry[] => {
    const list = entries.get(key) ?? []
    entries.set(key, list)
    list.push(entry)
    trail.push(() => list.pop())
    if (!chosen.has(key)) agenda.push(key, rankOf(key))
    return list
  }
  /** Processes the requirement at `qi`; false when the search is over (failed). */
  const processRequirement = (): boolean => {
    const req = queue[qi] as Requirement
    const origin = origins[qi] ?? -1
    const bind = bindRequirement(req, ctx, chosen)
    if (!bind.ok) {
      fail(bind.problem)
      // Only an ambiguity depends on what is chosen; other lookup failures only on the requirer.
      return backjump(bind.problem.kind === 'ambiguous' ? [origin, choices.length - 1] : [origin])
    }
    const { key } = bind.bound
    const list = record(key, { bound: bind.bound, origin })
    const current = chosen.get(key)
    if (current !== undefined && !bind.bound.accepts(current)) {
      fail(explainNoOption(key, list.map((e) => e.bound), [current], ctx))
      return backjump([origin, chosenAt.get(key) ?? -1])
    }
    if (current === undefined && !rowsOf(key).some((row) => list.every((e) => e.bound.accepts(row)))) {
      fail(explainNoOption(key, list.map((e) => e.bound), rowsOf(key), ctx))
      return backjump(list.map((e) => e.origin))
    }
    qi++
    return true
  }
  /** Opens a choice point for the undecided identity that ranks first; false when failed. */
  const decide = (key: string): boolean => {
    const list = entries.get(key) ?? []
    const rows = rowsOf(key)
    const tests = [...list.map((e) => e.bound), ...needs(key, rows, chosen)]
    const options = orderOptions(
      rows.filter((row) => tests.every((t) => t.accepts(row))),
      {
        rows,
        explicit: tests.some((t) => t.explicit),
        direct: list.some((e) => e.bound.req.from === null),
        ...(ctx.installedByKey.has(key) ? { installed: ctx.installedByKey.get(key) } : {}),
      },
    )
    const blame = list.map((e) => e.origin)
    if (options.length === 0) {
      fail(explainNoOption(key, tests, rows, ctx))
      return backjump(blame)
    }
    const at = choices.length
    choices.push({ qi, key, origins: blame, options, next: 0, queueLength: queue.length, trailLength: trail.length, culprits: new Set() })
    return backjump([at])
  }
  const nextUndecided = (): string | undefined =>
    agenda.peek((key) => !chosen.has(key) && (entries.get(key)?.length ?? 0) > 0)

  for (;;) {
    if (qi < queue.length) {
      if (!processRequirement()) return failed(deepest, exhausted, steps)
      continue
    }
    const key = nextUndecided()
    if (key === undefined) break
    if (!decide(key)) return failed(deepest, exhausted, steps)
  }
  const nodes = new Map<string, SolvedNode>()
  for (const [key, pkg] of chosen) nodes.set(key, { key, pkg, bounds: (entries.get(key) ?? []).map((e) => e.bound) })
  return { ok: true, nodes }
}

/** On giving up, the deepest dead end met so far is still the likeliest cause: report both. */
function failed(deepest: { problem: Problem } | undefined, exhausted: boolean, steps: number): SolveResult {
  const problems: Problem[] = deepest === undefined ? [] : [deepest.problem]
  if (exhausted || deepest === undefined) problems.push({ kind: 'too-complex', steps })
  return { ok: false, problems }
}

/** The zoi dependencies of a package as requirements (externals are collected later), or why not. */
function readDependencies(pkg: CatalogPackage): Requirement[] | Problem {
  const requirements: Requirement[] = []
  for (const [index, text] of pkg.dependencies.entries()) {
    try {
      const dep = parseDependency(text)
      if (dep.manager === 'zoi') requirements.push(requirementFromDependency(dep, pkg, index))
    } catch (e) {
      return { kind: 'bad-dependency', pkg: labelOf(pkg), dependency: text, message: (e as Error).message }
    }
  }
  return requirements
}

/** Why no version of an identity passes all its tests: a pin, or the requirements that exclude versions. */
function explainNoOption(key: string, tests: readonly Bound[], rows: readonly CatalogPackage[], ctx: LookupContext): Problem {
  const all = rowsForKey(ctx, key)
  const name = all[0]?.name ?? rows[0]?.name ?? tests[0]?.req.name ?? key
  const pinned = ctx.installedByKey.get(key)?.pinned
  if (pinned !== undefined) {
    const against = tests.find((t) => !rows.some((row) => t.accepts(row))) ?? (tests.at(-1) as Bound)
    return { kind: 'pinned', name, pinned, requirement: against.req.note }
  }
  const narrowing = tests.filter((t) => !all.every((row) => t.accepts(row)))
  const requirements = (narrowing.length > 0 ? narrowing : tests).map((t) => t.req.note)
  return { kind: 'unsatisfiable', name, requirements, available: versionsOf(all) }
}
