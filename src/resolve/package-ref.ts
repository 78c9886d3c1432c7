/**
 * The package reference shared by source strings and dependency strings:
 * `[#handle@][@][repo/…/]name`. Handle, repo and name are lower-cased like Zoi does.
 * A path with several `/` is a nested repo path: `@core/linux/amd64/nvidia-driver` is
 * repo `core/linux/amd64`, name `nvidia-driver` (the package's repo is its folder path).
 */

export interface PackageRef {
  /** Registry handle from `#handle@`; absent = the default registry (or any, for lookups). */
  readonly handle?: string
  /** Repo path (`core`, `core/editors`); absent = every active repo. */
  readonly repo?: string
  readonly name: string
}

export interface PackageScope {
  readonly handle?: string
  readonly repo?: string
}

/** Characters of a name, handle or repo segment; `@ : / = < > ~ ^` stay free as separators. */
export const NAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9._+-]*'
const REF = new RegExp(`^(?:#(${NAME_PATTERN})@)?@?((?:${NAME_PATTERN}/)*)(${NAME_PATTERN})`)

/** Reads a reference at the start of `text`; returns it and the unread rest, or null. */
export function readPackageRef(text: string): { ref: PackageRef; rest: string } | null {
  const match = REF.exec(text)
  if (!match) return null
  const [whole, handle, repoPath = '', name = ''] = match
  const repo = repoPath.replace(/\/$/, '')
  const ref: PackageRef = {
    ...(handle ? { handle: handle.toLowerCase() } : {}),
    ...(repo ? { repo: repo.toLowerCase() } : {}),
    name: name.toLowerCase(),
  }
  return { ref, rest: text.slice(whole.length) }
}

/** `#handle@repo/name`, the identity Zoi uses for store ids and installed records. */
export function formatPackageKey(pkg: { handle: string; repo: string; name: string }): string {
  return `#${pkg.handle}@${pkg.repo}/${pkg.name}`
}

/**
 * Whether a package lies in a scope. A repo scope also covers the repo's sub-folders:
 * `@core/vim` finds vim in `core/editors`.
 */
export function matchesScope(pkg: { handle: string; repo: string }, scope: PackageScope = {}): boolean {
  if (scope.handle !== undefined && pkg.handle !== scope.handle) return false
  if (scope.repo === undefined) return true
  const inRepo = (repo: string) => pkg.repo === repo || pkg.repo.startsWith(`${repo}/`)
  // `example/core/hello`, the form search and plans print, is registry/repo/name.
  const printed = scope.handle === undefined && scope.repo.startsWith(`${pkg.handle}/`)
  return inRepo(scope.repo) || (printed && inRepo(scope.repo.slice(pkg.handle.length + 1)))
}

/**
 * The repo to look for inside registry `handle` for a scope's repo: `example/core` read as
 * registry `example`, repo `core` (the printed form) when no handle was given.
 */
export function repoWithin(handle: string, scope: PackageScope = {}): string[] {
  if (scope.repo === undefined) return []
  const printed = scope.handle === undefined && scope.repo.startsWith(`${handle}/`)
  return printed ? [scope.repo, scope.repo.slice(handle.length + 1)] : [scope.repo]
}

/**
 * Whether a package's `platforms` list admits a platform such as `linux-amd64`: an empty list
 * or `all` admits every platform, `linux` every linux arch, `linux-amd64` exactly that one.
 */
export function matchesPlatform(platforms: readonly string[], platform: string): boolean {
  if (platforms.length === 0) return true
  const os = platform.split('-', 1)[0]
  return platforms.some((p) => p === 'all' || p === 'any' || p === platform || p === os)
}
