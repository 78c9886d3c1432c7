// Version order, one comparison per line like apk's test/unit/version.data.
import { describe, expect, test } from 'bun:test'
import { compareVersions, compareVersionsStrictly, isPrerelease, parseVersion } from '../../../src/resolve/index.ts'

const VERSION_DATA = `
1.0 < 1.1
1.2.3 < 1.2.4
1.9 < 1.10
9 < 10
1.0 = 1.0.0
1.2 < 1.2.1
v1.2.3 = 1.2.3
V2.0 = 2.0.0
1.0.0+build.1 = 1.0.0
1.0.0+a = 1.0.0+b
9.1.0 > 9.0.2
2024.01.05 > 2023.12.31
2024.01.05 = 2024.1.5
2024.01.05 < 2024.01.10
1.0.0-alpha < 1.0.0-alpha.1
1.0.0-alpha.1 < 1.0.0-alpha.beta
1.0.0-alpha.beta < 1.0.0-beta
1.0.0-beta < 1.0.0-beta.2
1.0.0-beta.2 < 1.0.0-beta.11
1.0.0-beta.11 < 1.0.0-rc.1
1.0.0-rc.1 < 1.0.0
1.0.0-1 < 1.0.0-2
1.0.0-9 < 1.0.0-10
1.0.0-2 < 1.0.0-alpha
1.0.0-alpha10 < 1.0.0-alpha9
1.2.3-rc.1 < 1.2.3
1.2.3-rc.1 > 1.2.2
3.0.0 < 3.0.0a
3.0.0a < 3.0.0b
3.0.0b < 3.0.1
1.1.1w > 1.1.1
1.1.1w < 1.1.2
1.0rc1 < 1.0
1.0rc1 = 1.0-rc.1
1.0rc1 < 1.0rc2
1.0beta2 < 1.0rc1
3.0.0a1 = 3.0.0-alpha.1
3.0.0a1 < 3.0.0
3.0.0a1 < 3.0.0b1
1.0_p1 > 1.0
1.0_p1 < 1.0_p2
1.0_p1 < 1.0.1
1.0_p1 < 1.0a
2.4.1_2 > 2.4.1
2.4.1_2 < 2.4.2
nightly < 0.0.1
latest < nightly
nightly = nightly
0.0.0 < 0.0.1
123456789012345678901234567890 > 123456789012345678901234567889
1.000 = 1.0
`

const cases = VERSION_DATA.trim()
  .split('\n')
  .map((line) => line.split(' ') as [string, '<' | '=' | '>', string])

describe('version order (version.data)', () => {
  test.each(cases)('%s %s %s', (left, op, right) => {
    const sign = op === '<' ? -1 : op === '>' ? 1 : 0
    expect(Math.sign(compareVersions(left, right))).toBe(sign)
    expect(Math.sign(compareVersions(right, left))).toBe(sign === 0 ? 0 : -sign)
  })
})

describe('parseVersion', () => {
  test.each([
    ['1.2.3', { numeric: true, release: ['1', '2', '3'], letter: '', pre: null, post: null }],
    ['v1.2.3-rc.1+b5', { numeric: true, release: ['1', '2', '3'], letter: '', pre: ['rc', '1'], post: null }],
    ['2024.01.05', { numeric: true, release: ['2024', '1', '5'], letter: '', pre: null, post: null }],
    ['3.0.0a', { numeric: true, release: ['3', '0', '0'], letter: 'a', pre: null, post: null }],
    ['1.0_p3', { numeric: true, release: ['1', '0'], letter: '', pre: null, post: ['3'] }],
    ['nightly', { numeric: false, release: [], letter: '', pre: null, post: null }],
  ])('%s', (text, fields) => {
    expect(parseVersion(text)).toEqual({ raw: text, ...fields })
  })

  test('pre-releases are recognised in every spelling', () => {
    expect(['1.0.0-rc.1', '1.0rc1', '3.0.0a1', '1.0.0-1'].map(isPrerelease)).toEqual([true, true, true, true])
    expect(['1.0.0', '3.0.0a', '1.0_p1', 'nightly'].map(isPrerelease)).toEqual([false, false, false, false])
  })
})

describe('compareVersionsStrictly', () => {
  test('sorts equal versions by their text, so sorting never depends on input order', () => {
    const versions = ['1.0.0', 'v1.0', '1.0', '0.9', '1.0.0-rc.1', '2024.1']
    const sorted = [...versions].sort(compareVersionsStrictly)
    expect(sorted).toEqual(['0.9', '1.0.0-rc.1', '1.0', '1.0.0', 'v1.0', '2024.1'])
    expect([...versions].reverse().sort(compareVersionsStrictly)).toEqual(sorted)
  })
})
