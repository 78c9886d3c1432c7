/**
 * Why a resolution failed, as data. explain.ts turns these into sentences; the CLI can also
 * print them as JSON. Every problem names the packages and versions a person can act on.
 */
import type { PackageScope } from './package-ref.ts'

/** One package version, enough to name it in a message. */
export interface PackageLabel {
  readonly handle: string
  readonly repo: string
  readonly name: string
  readonly version: string
}

/** Who asked for something, and how it was written. */
export interface RequirementNote {
  /** The package whose dependency this is; null for the user's request. */
  readonly by: PackageLabel | null
  /** True when `by` is an installed package that is not part of the plan. */
  readonly installed?: boolean
  /** The dependency string or source string, as written (`zoi:ncurses@^6`, `vim@9.1`). */
  readonly text: string
}

export type Problem =
  | { kind: 'not-found'; name: string; scope: PackageScope; requirement: RequirementNote }
  | { kind: 'not-for-platform'; name: string; platform: string; platforms: string[]; requirement: RequirementNote }
  | { kind: 'ambiguous'; name: string; candidates: string[]; requirement: RequirementNote }
  | { kind: 'unknown-version'; name: string; spec: string; available: string[]; channels: string[]; requirement: RequirementNote }
  | { kind: 'unknown-channel'; name: string; channel: string; channels: string[]; requirement: RequirementNote }
  | { kind: 'channel-target-missing'; name: string; channel: string; version: string; available: string[] }
  | { kind: 'no-sub-package'; name: string; sub: string; subPackages: string[]; requirement: RequirementNote }
  | { kind: 'unsatisfiable'; name: string; requirements: RequirementNote[]; available: string[] }
  | { kind: 'pinned'; name: string; pinned: string; requirement: RequirementNote }
  | { kind: 'conflict'; pkg: PackageLabel; other: PackageLabel; installed: boolean }
  | { kind: 'bad-dependency'; pkg: PackageLabel; dependency: string; message: string }
  | { kind: 'cycle'; path: string[] }
  | { kind: 'too-complex'; steps: number }

export function labelOf(pkg: PackageLabel): PackageLabel {
  return { handle: pkg.handle, repo: pkg.repo, name: pkg.name, version: pkg.version }
}
