/**
 * The build dependencies a source build needs: the required `zoi:` ones of an indexed package,
 * plain and for its build type. `install` installs the missing ones before it builds (as
 * makepkg -s, Homebrew and Nix do; Zoi itself does not), and `source fetch --closure build`
 * fetches their sources too.
 */
import type { RegistrySet } from '../registry/catalog.ts'
import { parseDependency, type DependencySpec } from '../resolve/dependency.ts'

/** Raw dependency strings of kind build, group `required` or `type:<buildType>:required`. */
export function requiredBuildDependencies(catalog: RegistrySet, pkg: { handle: string; repo: string; name: string }, buildType = 'source'): string[] {
  const row = catalog.find(pkg.handle)?.index.packagesByName(pkg.name, pkg.repo).find((r) => r.repo === pkg.repo)
  return (row?.dependencies ?? []).filter((d) => d.kind === 'build' && (d.group === 'required' || d.group === `type:${buildType}:required`)).map((d) => d.raw)
}

/** The `zoi:` ones of `raws` whose package is not among `installed` (names), each once. */
export function missingZoiDependencies(raws: readonly string[], installed: ReadonlySet<string>): string[] {
  const out = new Map<string, string>()
  for (const raw of raws) {
    const dep = zoiDependency(raw)
    if (dep && !installed.has(dep.name) && !out.has(dep.name)) out.set(dep.name, raw)
  }
  return [...out.values()]
}

function zoiDependency(raw: string): DependencySpec | undefined {
  try {
    const dep = parseDependency(raw)
    return dep.manager === 'zoi' ? dep : undefined
  } catch {
    return undefined
  }
}
