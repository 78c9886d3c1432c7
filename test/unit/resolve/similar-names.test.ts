import { expect, test } from 'bun:test'
import { closestNames, didYouMean, editDistance } from '../../../src/resolve/similar-names.ts'

test.each([
  ['', '', 0],
  ['instal', 'install', 1],
  ['isntall', 'install', 1],
  ['helo', 'hello', 1],
  ['abc', 'xyz', 3],
])('editDistance(%p, %p) = %p', (a, b, d) => {
  expect(editDistance(a, b)).toBe(d)
})

test('closestNames keeps near words only, closest first', () => {
  const cmds = ['install', 'uninstall', 'update', 'list', 'search', 'show', 'sync']
  expect(closestNames('instal', cmds)).toEqual(['install'])
  expect(closestNames('shwo', cmds)).toEqual(['show'])
  expect(closestNames('frobnicate', cmds)).toEqual([])
  expect(closestNames('dry-rn', ['dry-run', 'force', 'build'])).toEqual(['dry-run'])
})

test('didYouMean words one or several suggestions', () => {
  expect(didYouMean('helo', ['hello'])).toBe("did you mean 'hello'?")
  expect(didYouMean('lst', ['list', 'ls'])).toBe("did you mean 'list' or 'ls'?")
  expect(didYouMean('zzz', ['hello'])).toBeUndefined()
})
