import { expect, test } from 'bun:test'
import { resolveIncludePath } from '../../../src/lua/index.ts'

const CASES: [string, string | undefined][] = [
  ['common.lua', 'common.lua'],
  ['./common.lua', 'common.lua'],
  ['lib/x.lua', 'lib/x.lua'],
  ['lib/../x.lua', 'x.lua'],
  ['lib\\x.lua', 'lib/x.lua'],
  ['a//b/./c.lua', 'a/b/c.lua'],
  ['../x.lua', undefined],
  ['lib/../../x.lua', undefined],
  ['/etc/passwd', undefined],
  ['\\\\server\\share\\x.lua', undefined],
  ['C:\\Windows\\x.lua', undefined],
  ['c:x.lua', undefined],
  ['x.lua\0.txt', undefined],
  ['.', undefined],
  ['', undefined],
]

for (const [requested, expected] of CASES) {
  test(`INCLUDE(${JSON.stringify(requested)}) → ${expected ?? 'refused'}`, () => {
    expect(resolveIncludePath(requested)).toBe(expected)
  })
}
