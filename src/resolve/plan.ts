/**
 * From chosen versions to a plan: what changes for each package, in an order where every
 * dependency comes before its dependents. The order is a depth-first post-order from the
 * requests (in request order), visiting dependencies in declaration order: deterministic, and
 * stable when unrelated packages are added. A cycle among packages that change is a problem.
 */
import type { CatalogPackage, InstalledPackage } from './catalog.ts'
import { parseDependency, type DependencySpec } from './dependency.ts'
import { formatPackageKey } from './package-ref.ts'
import type { Problem } from './problem.ts'
import type { SolvedNode } from './solver.ts'
import { compareVersions } from './version.ts'

export type PlanAction = 'install' | 'upgrade' | 'downgrade' | 'reinstall'

export interface PlanStep {
  readonly action: PlanAction
  readonly pkg: CatalogPackage
  /** Sub-packages to install; empty for a package without sub-packages. */
  readonly subs: string[]
  /** The installed version this step replaces (upgrade, downgrade, reinstall). */
  readonly from?: InstalledPackage
  readonly reason: 'direct' | 'dependency'
  /** `#handle@repo/name` of the packages in this resolution that depend on it. */
  readonly requiredBy: string[]
}

export interface ExternalRequirement {
  readonly dependency: DependencySpec
  readonly requiredBy: string[]
}

export interface Plan {
  readonly steps: PlanStep[]
  /** Dependencies for other package managers (`native:`, `apt:` …): reported, never resolved. */
  readonly external: ExternalRequirement[]
  /** Installed packages that a planned package `replaces`: the caller removes them. */
  readonly replaced: InstalledPackage[]
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; problems: Problem[] }

export function buildPlan(
  nodes: ReadonlyMap<string, SolvedNode>,
  requestedExternals: readonly DependencySpec[],
  installedByKey: ReadonlyMap<string, InstalledPackage>,
  force: boolean,
): PlanResult {
  const children = new Map<string, { key: string; index: number }[]>()
  const steps = new Map<string, PlanStep>()
  for (const node of nodes.values()) {
    for (const { req } of node.bounds) {
      if (req.from === null) continue
      const list = children.get(formatPackageKey(req.from)) ?? []
      children.set(formatPackageKey(req.from), list)
      if (!list.some((c) => c.key === node.key)) list.push({ key: node.key, index: req.index })
    }
    const step = decideStep(node, installedByKey.get(node.key), force)
    if (step !== undefined) steps.set(node.key, step)
  }
  for (const list of children.values()) list.sort((a, b) => a.index - b.index)
  const { order, cycle } = orderDependenciesFirst(nodes, children, (key) => steps.has(key))
  if (cycle !== undefined) return { ok: false, problems: [{ kind: 'cycle', path: cycle.map((k) => nodes.get(k)?.pkg.name ?? k) }] }
  const ordered = order.flatMap((key) => steps.get(key) ?? [])
  return { ok: true, plan: { steps: ordered, external: collectExternals(requestedExternals, ordered), replaced: findReplaced(ordered, nodes, installedByKey) } }
}

function decideStep(node: SolvedNode, held: InstalledPackage | undefined, force: boolean): PlanStep | undefined {
  const { pkg, bounds } = node
  const direct = bounds.some((b) => b.req.from === null)
  const requiredBy = [...new Set(bounds.flatMap((b) => (b.req.from === null ? [] : [formatPackageKey(b.req.from)])))]
  const wanted = new Set(bounds.flatMap((b) => (b.req.sub !== undefined ? [b.req.sub] : pkg.mainSubs.length > 0 ? pkg.mainSubs : pkg.subPackages)))
  const common = { pkg, reason: direct ? ('direct' as const) : ('dependency' as const), requiredBy }
  const inOrder = (subs: Set<string>) => pkg.subPackages.filter((s) => subs.has(s))
  if (held === undefined) return { action: 'install', subs: inOrder(wanted), ...common }
  const had = new Set(held.subPackages ?? [])
  const all = inOrder(new Set([...wanted, ...had]))
  const order = compareVersions(pkg.version, held.version) || compareVersions(pkg.revision, held.revision)
  if (order > 0) return { action: 'upgrade', subs: all, from: held, ...common }
  if (order < 0) return { action: 'downgrade', subs: all, from: held, ...common }
  if (force && direct) return { action: 'reinstall', subs: all, from: held, ...common }
  const missing = inOrder(new Set([...wanted].filter((s) => !had.has(s))))
  return missing.length > 0 ? { action: 'install', subs: missing, ...common } : undefined
}

/** Post-order DFS without recursion (a 1,000-deep chain must not overflow the stack). */
function orderDependenciesFirst(
  nodes: ReadonlyMap<string, SolvedNode>,
  children: ReadonlyMap<string, readonly { key: string }[]>,
  changes: (key: string) => boolean,
): { order: string[]; cycle?: string[] } {
  const state = new Map<string, 'open' | 'done'>()
  const order: string[] = []
  // Requests are roots in the order they were given (the nodes map is in decision order).
  const requestIndex = (n: SolvedNode) => Math.min(...n.bounds.filter((b) => b.req.from === null).map((b) => b.req.index))
  const roots = [...nodes.values()]
    .filter((n) => n.bounds.some((b) => b.req.from === null))
    .sort((a, b) => requestIndex(a) - requestIndex(b))
    .map((n) => n.key)
  for (const root of [...roots, ...nodes.keys()]) {
    if (state.has(root)) continue
    const stack = [{ key: root, next: 0 }]
    state.set(root, 'open')
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { key: string; next: number }
      const child = children.get(top.key)?.[top.next++]?.key
      if (child === undefined) {
        state.set(top.key, 'done')
        order.push(top.key)
        stack.pop()
      } else if (!state.has(child)) {
        state.set(child, 'open')
        stack.push({ key: child, next: 0 })
      } else if (state.get(child) === 'open') {
        const path = [...stack.slice(stack.findIndex((e) => e.key === child)).map((e) => e.key), child]
        if (path.some(changes)) return { order, cycle: path }
      }
    }
  }
  return { order }
}

function collectExternals(requested: readonly DependencySpec[], steps: readonly PlanStep[]): ExternalRequirement[] {
  const byId = new Map<string, { dependency: DependencySpec; requiredBy: string[] }>()
  const add = (dependency: DependencySpec, by: string | null) => {
    const id = `${dependency.manager}:${dependency.name}@${dependency.versionSpec ?? ''}`
    const entry = byId.get(id) ?? { dependency, requiredBy: [] }
    byId.set(id, entry)
    if (by !== null && !entry.requiredBy.includes(by)) entry.requiredBy.push(by)
  }
  for (const dep of requested) add(dep, null)
  for (const step of steps) {
    for (const text of step.pkg.dependencies) {
      const dep = parseDependency(text)
      if (dep.manager !== 'zoi') add(dep, formatPackageKey(step.pkg))
    }
  }
  return [...byId.values()]
}

function findReplaced(
  steps: readonly PlanStep[],
  nodes: ReadonlyMap<string, SolvedNode>,
  installedByKey: ReadonlyMap<string, InstalledPackage>,
): InstalledPackage[] {
  const names = new Set(steps.flatMap((s) => s.pkg.replaces))
  return [...installedByKey.entries()].filter(([key, held]) => !nodes.has(key) && names.has(held.name)).map(([, held]) => held)
}
