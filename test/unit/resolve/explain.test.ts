// Problems → sentences, and plans → lines, for the cases the resolver tables do not reach.
import { describe, expect, test } from 'bun:test'
import { describePlan, explainProblem, type Plan, type Problem } from '../../../src/resolve/index.ts'
import { held, pkg } from './resolve-fixtures.ts'

const VIM = { handle: 'main', repo: 'core', name: 'vim', version: '9.1.0' }
const BY_VIM = { by: VIM, text: 'zoi:ncurses@^6' }
const REQUEST = { by: null, text: 'foo@@edge' }

// prettier-ignore
const TABLE: [Problem, string][] = [
  [{ kind: 'not-found', name: 'foo', scope: { handle: 'corp', repo: 'extra' }, requirement: REQUEST }, "package 'foo' not found in repo 'extra' of registry 'corp'"],
  [{ kind: 'not-found', name: 'foo', scope: { handle: 'corp' }, requirement: REQUEST }, "package 'foo' not found in registry 'corp'"],
  [{ kind: 'unknown-channel', name: 'foo', channel: 'edge', channels: [], requirement: REQUEST }, "foo has no channel 'edge'; it has no channels"],
  [{ kind: 'unknown-version', name: 'ncurses', spec: '7', available: ['5.9'], channels: [], requirement: BY_VIM }, "ncurses has no version '7' (required by vim 9.1.0); available: 5.9"],
  [{ kind: 'no-sub-package', name: 'foo', sub: 'dev', subPackages: [], requirement: REQUEST }, "foo has no sub-package 'dev'; it has none"],
  [{ kind: 'unsatisfiable', name: 'ncurses', requirements: [{ ...BY_VIM, installed: true }], available: [] }, 'installed vim 9.1.0 requires zoi:ncurses@^6; available: ncurses none'],
  [{ kind: 'unsatisfiable', name: 'x', requirements: [REQUEST], available: ['1', '2', '3', '4', '5', '6', '7', '8', '9'] }, 'requested foo@@edge; available: x 1, 2, 3, …, 6, 7, 8, 9'],
  [{ kind: 'conflict', pkg: VIM, other: { ...VIM, name: 'neovim', version: '0.10' }, installed: false }, 'vim 9.1.0 conflicts with neovim 0.10'],
  [{ kind: 'cycle', path: ['a', 'b', 'a'] }, 'cycle: a -> b -> a'],
]

describe('explainProblem', () => {
  test.each(TABLE)('%o', (problem, text) => {
    expect(explainProblem(problem)).toBe(text)
  })
})

describe('describePlan', () => {
  const plan: Plan = {
    steps: [
      { action: 'install', pkg: pkg('lib 1.0', { handle: 'corp' }), subs: [], reason: 'dependency', requiredBy: ['#main@core/app'] },
      { action: 'reinstall', pkg: pkg('app 2.0'), subs: ['bin'], from: held('app 2.0'), reason: 'direct', requiredBy: [] },
    ],
    external: [],
    replaced: [],
  }
  test('short names by default, qualified on request', () => {
    expect(describePlan(plan)).toEqual(['install lib 1.0', 'reinstall app 2.0 [bin]'])
    expect(describePlan(plan, { qualified: true })).toEqual(['install #corp@core/lib 1.0', 'reinstall #main@core/app 2.0 [bin]'])
  })
})
