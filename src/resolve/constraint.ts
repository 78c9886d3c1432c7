/**
 * Version constraints: `= > >= < <= ~ ^`, comma (or space) = AND, bare version = exact,
 * `*` / empty = any, `1.2.*` / `1.x` = that prefix.
 *
 * `^` and `~` follow Cargo/semver: `^1.2.3` = `>=1.2.3 <2.0.0`, `^0.2.3` = `<0.3.0`,
 * `^0.0.3` = `<0.0.4`, `^6` = `>=6 <7`, `~1.2` = `>=1.2 <1.3.0`, `~1` = `<2.0.0`.
 * The plain comparators compare in the total order of version.ts, so `=1.2` matches `1.2.0`
 * and `>1.2` matches `1.2.1` (apk's reading, which also suits non-semver registries).
 *
 * Pre-releases follow npm: a pre-release satisfies a non-empty constraint only if one of its
 * comparators names a pre-release of the same release (`^1.2.3-rc.1` admits `1.2.3-rc.2`, not
 * `1.3.0-rc.1`). The empty constraint admits everything, so a package whose only version is a
 * pre-release still installs; the resolver prefers releases on its own.
 */
import { ZoiError } from '../errors.ts'
import { compareVersions, parseVersion, releaseKey, type Version } from './version.ts'

export type ComparatorOp = '=' | '>' | '>=' | '<' | '<='

export interface Comparator {
  readonly op: ComparatorOp
  readonly version: Version
}

export interface Constraint {
  /** The text it was parsed from, trimmed ('' for any). */
  readonly raw: string
  /** All must hold; empty = any version. */
  readonly comparators: readonly Comparator[]
}

export const ANY_CONSTRAINT: Constraint = { raw: '', comparators: [] }

const TERM = /^(==|=|>=|<=|>|<|~|\^)?(.*)$/
const WILDCARD = /^[*xX]$/

/** Parses a constraint; a malformed one is a USAGE error naming the text. */
export function parseConstraint(text: string): Constraint {
  const raw = text.trim()
  if (raw === '' || WILDCARD.test(raw)) return { raw, comparators: [] }
  if (raw.includes('||')) throw malformed(raw, 'alternatives (`||`) are not supported')
  const terms = raw.replace(/(==|>=|<=|[=<>~^])\s+/g, '$1').split(/[\s,]+/).filter((t) => t !== '')
  const comparators = terms.flatMap((term) => parseTerm(term, raw))
  return { raw, comparators }
}

export function tryParseConstraint(text: string): Constraint | undefined {
  try {
    return parseConstraint(text)
  } catch {
    return undefined
  }
}

export function isAnyConstraint(constraint: Constraint): boolean {
  return constraint.comparators.length === 0
}

/** True when the constraint is one exact version (`1.2.3`, `=1.2.3`). */
export function isExactConstraint(constraint: Constraint): boolean {
  return constraint.comparators.length === 1 && constraint.comparators[0]?.op === '='
}

export function satisfies(version: string | Version, constraint: Constraint): boolean {
  const v = parseVersion(version)
  if (constraint.comparators.length === 0) return true
  if (!constraint.comparators.every((c) => holds(v, c))) return false
  if (v.pre === null) return true
  const key = releaseKey(v)
  return constraint.comparators.some((c) => c.version.pre !== null && releaseKey(c.version) === key)
}

function holds(v: Version, { op, version }: Comparator): boolean {
  const order = compareVersions(v, version)
  switch (op) {
    case '=':
      return order === 0
    case '>':
      return order > 0
    case '>=':
      return order >= 0
    case '<':
      return order < 0
    case '<=':
      return order <= 0
  }
}

function parseTerm(term: string, raw: string): Comparator[] {
  const [, op = '', operand = ''] = TERM.exec(term) ?? []
  if (WILDCARD.test(operand) && (op === '' || op === '=' || op === '==' || op === '>=')) return []
  const wildcard = /^v?(\d+(?:\.\d+)*)\.[*xX]$/i.exec(operand)
  if (wildcard && (op === '' || op === '=' || op === '==')) return prefixRange(wildcard[1] ?? '')
  if (!/^v?\d/i.test(operand)) throw malformed(raw, `'${term}' is not a version comparison`)
  const version = parseVersion(operand)
  const numbers = version.release.map(Number)
  switch (op) {
    case '^':
      return [at('>=', version), at('<', caretCeiling(numbers))]
    case '~':
      return [at('>=', version), at('<', numbers.length === 1 ? bump(numbers, 0) : bump(numbers, 1))]
    case '':
    case '==':
      return [at('=', version)]
    default:
      return [at(op as ComparatorOp, version)]
  }
}

/** Cargo's caret: the first non-zero of major.minor.patch may not change. */
function caretCeiling(numbers: number[]): string {
  const [major = 0, minor = 0] = numbers
  if (major > 0 || numbers.length === 1) return bump(numbers, 0)
  if (minor > 0 || numbers.length === 2) return bump(numbers, 1)
  return bump(numbers, 2)
}

function prefixRange(prefix: string): Comparator[] {
  const numbers = prefix.split('.').map(Number)
  return [at('>=', parseVersion(prefix)), at('<', bump(numbers, numbers.length - 1))]
}

/** The version with part `index` incremented and everything after it zero (`1.2.3`, 1 → `1.3.0`). */
function bump(numbers: number[], index: number): string {
  const length = Math.max(3, index + 1)
  const parts = Array.from({ length }, (_, i) => (i < index ? (numbers[i] ?? 0) : i === index ? (numbers[i] ?? 0) + 1 : 0))
  return parts.join('.')
}

function at(op: ComparatorOp, version: string | Version): Comparator {
  return { op, version: parseVersion(version) }
}

function malformed(raw: string, why: string): ZoiError {
  return new ZoiError('USAGE', `invalid version constraint '${raw}': ${why}`, {
    hint: 'use a version (1.2.3) or comparisons such as >=1.2,<2, ^1.2 or ~1.2',
  })
}
