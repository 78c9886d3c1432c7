// Constraint satisfaction as a table: constraint, version, verdict.
import { describe, expect, test } from 'bun:test'
import { isZoiError } from '../../../src/errors.ts'
import { isAnyConstraint, isExactConstraint, parseConstraint, satisfies } from '../../../src/resolve/index.ts'

// prettier-ignore
const TABLE: [constraint: string, version: string, ok: boolean][] = [
  ['', '1.0.0', true],
  ['*', '0.0.1', true],
  ['', '2.0.0-rc.1', true],             // the empty constraint admits pre-releases
  ['1.2.3', '1.2.3', true],             // bare version = exact
  ['1.2.3', '1.2.4', false],
  ['=1.2', '1.2.0', true],              // exact in the version order: 1.2 = 1.2.0
  ['=1.2', '1.2.1', false],
  ['==2.0', '2.0', true],
  ['v1.2.3', '1.2.3', true],
  ['>1.2', '1.2.1', true],              // comparators use the version order (apk's reading)
  ['>1.2', '1.2.0', false],
  ['>=1.2,<2', '1.2.0', true],
  ['>=1.2,<2', '1.9.9', true],
  ['>=1.2,<2', '2.0.0', false],
  ['>=1.2,<2', '1.1.9', false],
  ['>=1.2, <2', '1.5', true],           // spaces after the comma
  ['>= 1.2 < 2', '1.5', true],          // npm-style spaces
  ['<=1.4', '1.4.0', true],
  ['<=1.4', '1.4.1', false],
  ['^6', '6.0.0', true],
  ['^6', '6.9.1', true],
  ['^6', '7.0.0', false],
  ['^6', '5.9', false],
  ['^1.2.3', '1.9.0', true],
  ['^1.2.3', '1.2.2', false],
  ['^1.2.3', '2.0.0', false],
  ['^0.2.3', '0.2.9', true],            // semver: 0.x is breaking on the minor
  ['^0.2.3', '0.3.0', false],
  ['^0.0.3', '0.0.3', true],
  ['^0.0.3', '0.0.4', false],
  ['^0', '0.9.9', true],
  ['^0', '1.0.0', false],
  ['^0.0', '0.0.9', true],
  ['^0.0', '0.1.0', false],
  ['^3', '3.0.0a', true],               // post-release letters are ordinary versions
  ['~1.2', '1.2.0', true],
  ['~1.2', '1.2.9', true],
  ['~1.2', '1.3.0', false],
  ['~1.2.3', '1.2.5', true],
  ['~1.2.3', '1.2.2', false],
  ['~1', '1.9', true],
  ['~1', '2.0', false],
  ['1.2.*', '1.2.7', true],
  ['1.2.*', '1.3.0', false],
  ['1.x', '1.99', true],
  ['1.x', '2.0', false],
  ['^2024.01', '2024.12.31', true],     // date versions still order
  ['^2024.01', '2025.01.01', false],
  ['>=1.0', '1.1.0-rc.1', false],       // npm: pre-releases only when a comparator names one
  ['<2.0.0', '2.0.0-rc.1', false],
  ['^1.2.3-rc.1', '1.2.3-rc.2', true],
  ['^1.2.3-rc.1', '1.2.3', true],
  ['^1.2.3-rc.1', '1.3.0-rc.1', false],
  ['=1.2.3-rc.1', '1.2.3-rc.1', true],
  ['>=1.0', 'nightly', false],          // non-numeric versions sort below every number
]

describe('satisfies', () => {
  test.each(TABLE)('%p admits %p: %p', (constraint, version, ok) => {
    expect(satisfies(version, parseConstraint(constraint))).toBe(ok)
  })
})

describe('parseConstraint', () => {
  test('expands ^ and ~ into two comparators', () => {
    const text = (c: string) => parseConstraint(c).comparators.map((x) => `${x.op}${x.version.raw}`)
    expect(text('^6')).toEqual(['>=6', '<7.0.0'])
    expect(text('~1.2')).toEqual(['>=1.2', '<1.3.0'])
    expect(text('^0.2.3')).toEqual(['>=0.2.3', '<0.3.0'])
    expect(text('1.2.3.*')).toEqual(['>=1.2.3', '<1.2.4'])
    expect(text('1.2.3.4.x')).toEqual(['>=1.2.3.4', '<1.2.3.5'])
  })

  test('classifies', () => {
    expect(isAnyConstraint(parseConstraint(' * '))).toBe(true)
    expect(isExactConstraint(parseConstraint('1.2'))).toBe(true)
    expect(isExactConstraint(parseConstraint('^1.2'))).toBe(false)
  })

  test.each(['stable', '>=', '^', '>=abc', '1.0 || 2.0', '!=1.0', '~>1.2'])('%p is a USAGE error naming it', (text) => {
    let error: unknown
    try {
      parseConstraint(text)
    } catch (e) {
      error = e
    }
    expect(isZoiError(error, 'USAGE')).toBe(true)
    expect((error as Error).message).toContain(`'${text}'`)
  })
})
