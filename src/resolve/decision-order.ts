/**
 * In which order the solver decides package versions. Before searching, the names reachable
 * from the requests are walked through the dependencies of EVERY candidate version, and ranked
 * requesters-first (reverse post-order, as apk's solver sorts by topology). Deciding in that
 * order means that by the time a package's version is picked, every package that could require
 * it has been decided, so all constraints on it are known: the newest version allowed by all
 * of them is picked directly, instead of being found by backtracking. Within a cycle the order
 * is arbitrary but fixed.
 */
import { parseDependency } from './dependency.ts'
import { findProviders, findRows, type LookupContext } from './lookup.ts'
import type { Requirement } from './requirement.ts'

/** Rank per package name: lower = decide earlier. Names not reached rank last. */
export function rankNames(requests: readonly Requirement[], ctx: LookupContext): ReadonlyMap<string, number> {
  const postOrder: string[] = []
  const seen = new Set<string>()
  const depsCache = new Map<string, string[]>()
  const neighbours = (name: string): string[] => {
    const real = findRows(ctx, name, {}).rows
    const rows = real.length > 0 ? real : findProviders(ctx, name, {}).rows
    const next = new Set<string>()
    for (const row of rows) {
      if (row.name !== name) next.add(row.name)
      for (const text of row.dependencies) for (const dep of zoiNames(text, depsCache)) next.add(dep)
    }
    // Walked last-first so that, reversed, siblings keep their declaration order.
    return [...next].reverse()
  }
  for (const root of requests.map((r) => r.name)) {
    if (seen.has(root)) continue
    seen.add(root)
    const stack = [{ name: root, next: neighbours(root), at: 0 }]
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { name: string; next: string[]; at: number }
      const child = top.next[top.at++]
      if (child === undefined) {
        postOrder.push(top.name)
        stack.pop()
      } else if (!seen.has(child)) {
        seen.add(child)
        stack.push({ name: child, next: neighbours(child), at: 0 })
      }
    }
  }
  const rank = new Map<string, number>()
  postOrder.reverse().forEach((name, index) => rank.set(name, index))
  return rank
}

function zoiNames(text: string, cache: Map<string, string[]>): string[] {
  let names = cache.get(text)
  if (names === undefined) {
    try {
      const dep = parseDependency(text)
      names = dep.manager === 'zoi' ? [dep.name] : []
    } catch {
      names = []
    }
    cache.set(text, names)
  }
  return names
}
