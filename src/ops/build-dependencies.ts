/**
 * The build dependencies a source build needs: the required `zoi:` ones of an indexed package,
 * plain and for its build type. `install` installs the missing ones before it builds (as
 * makepkg -s, Homebrew and Nix do; Zoi itself does not), and `source fetch --closure build`
 * fetches their sources too.
 */
import type { RegistrySet } from '../registry/catalog.ts'
import { satisfies } from '../resolve/constraint.ts'
import { parseDependency, type DependencySpec } from '../resolve/dependency.ts'

/** Raw dependency strings of kind build, group `required` or `type:<buildType>:required`. */
export function requiredBuildDependencies(catalog: RegistrySet, pkg: { handle: string; repo: string; name: string }, buildType = 'source'): string[] {
  const row = catalog.find(pkg.handle)?.index.packagesByName(pkg.name, pkg.repo).find((r) => r.repo === pkg.repo)
  return (row?.dependencies ?? []).filter((d) => d.kind === 'build' && (d.group === 'required' || d.group === `type:${buildType}:required`)).map((d) => d.raw)
}

/**
 * The `zoi:` ones of `raws` that `installed` (name → version) does not satisfy — not installed,
 * or at a version outside the constraint — each once, less those in `tried` (asked for once
 * already: what the resolver then chose stands).
 */
export function missingZoiDependencies(raws: readonly string[], installed: ReadonlyMap<string, string>, tried: ReadonlySet<string> = new Set()): string[] {
  const out = new Map<string, string>()
  for (const raw of raws) {
    const dep = zoiDependency(raw)
    if (!dep || out.has(dep.name) || tried.has(raw)) continue
    const have = installed.get(dep.name)
    if (have === undefined || !fits(have, dep)) out.set(dep.name, raw)
  }
  return [...out.values()]
}

function fits(version: string, dep: DependencySpec): boolean {
  try {
    return satisfies(version, dep.constraint)
  } catch {
    return true // a version the constraint cannot judge is left as it is
  }
}

function zoiDependency(raw: string): DependencySpec | undefined {
  try {
    const dep = parseDependency(raw)
    return dep.manager === 'zoi' ? dep : undefined
  } catch {
    return undefined
  }
}
