import { afterAll, expect, test } from 'bun:test'
import { createEvaluator } from '../../../src/lua/index.ts'
import { evaluateWith, failureOf } from './evaluate-harness.ts'

const evaluator = createEvaluator()
afterAll(() => evaluator.close())

// [what, definition, exact error message]
const CASES: [string, string, string][] = [
  ['no name', `metadata({ version = "1" })`, "core/x/x.pkg.lua: metadata has no 'name'"],
  ['an empty name', `metadata({ name = "", version = "1" })`, "core/x/x.pkg.lua: metadata has no 'name'"],
  ['neither version nor versions', `metadata({ name = "x" })`, "core/x/x.pkg.lua: metadata has neither 'version' nor 'versions'"],
  ['empty versions and no version', `metadata({ name = "x", versions = {} })`, "core/x/x.pkg.lua: metadata has neither 'version' nor 'versions'"],
  ['metadata never called', `local x = 1`, 'core/x/x.pkg.lua: metadata() is never called'],
  ['metadata given a string', `metadata("x")`, 'core/x/x.pkg.lua:1: metadata() expects a table, got string'],
  ['bins as a string', `\nmetadata({ name = "x", version = "1", bins = "x" })`, "core/x/x.pkg.lua:2: metadata 'bins' must be a list of strings, not a string"],
  ['bins holding a number', `metadata({ name = "x", version = "1", bins = { "a", 2 } })`, "core/x/x.pkg.lua:1: metadata 'bins' must be a list of strings, not a list"],
  ['tags as a map', `metadata({ name = "x", version = "1", tags = { a = "b" } })`, "core/x/x.pkg.lua:1: metadata 'tags' must be a list of strings, not a table"],
  ['version as a number', `metadata({ name = "x", version = 1.5 })`, "core/x/x.pkg.lua:1: metadata 'version' must be a string, not a number"],
  ['description as a function', `metadata({ name = "x", version = "1", description = print })`, "core/x/x.pkg.lua:1: metadata 'description' must be a string, not a function or other non-data value"],
  ['versions with a list value', `metadata({ name = "x", versions = { stable = { "1" } } })`, `core/x/x.pkg.lua:1: metadata 'versions' must be a table of strings (key = "value"), not a table`],
  ['maintainer without a name', `metadata({ name = "x", version = "1", maintainer = { email = "a@b" } })`, "core/x/x.pkg.lua:1: metadata 'maintainer' has no 'name'"],
  ['an unknown scope', `metadata({ name = "x", version = "1", scope = "global" })`, 'core/x/x.pkg.lua:1: metadata \'scope\' must be one of user, system, project, not "global"'],
  ['a table key that is not a string', `metadata({ name = "x", version = "1", extra = { [true] = 1 } })`, 'core/x/x.pkg.lua: metadata.extra has a key of type boolean (keys must be strings)'],
  ['a table that contains itself', `local t = {} t.me = t metadata({ name = "x", version = "1", loop = t })`, 'core/x/x.pkg.lua: metadata.loop.me contains itself'],
  ['a list that contains itself', `local t = { {}, {} } t[2][1] = t metadata({ name = "x", version = "1", loop = t })`, 'core/x/x.pkg.lua: metadata.loop[2][1] contains itself'],
  ['tables nested 40 deep', `local t = {} local c = t for i = 1, 40 do c.x = {} c = c.x end metadata({ name = "x", version = "1", deep = t })`, `core/x/x.pkg.lua: metadata.deep${'.x'.repeat(32)} is nested more than 32 levels deep`],
  ['a key that is a table, inside a list', `metadata({ name = "x", version = "1", l = { 1, { [{}] = 1 } } })`, 'core/x/x.pkg.lua: metadata.l[2] has a key of type table (keys must be strings)'],
]

for (const [what, lua, message] of CASES) {
  test(`refused: ${what}`, async () => {
    const error = await failureOf(evaluateWith(evaluator, lua))
    expect(error.code).toBe('BAD_DEFINITION')
    expect(error.exitCode).toBe(6)
    expect(error.message).toBe(message)
  })
}

test('the line points at the metadata() call that set the bad key', async () => {
  const error = await failureOf(evaluateWith(evaluator, `metadata({ name = "x", version = "1" })\n\nmetadata({\n  bins = 5,\n})`))
  expect(error.message).toBe("core/x/x.pkg.lua:3: metadata 'bins' must be a list of strings, not a number")
})

test('the line of a bad key is this definition\'s, not that of the one before, which set the key elsewhere', async () => {
  // Lines are looked up only when a key fails, after the run: they must belong to this run.
  await evaluateWith(evaluator, `\n\n\n\nmetadata({ name = "x", version = "1", bins = { "ok" }, scope = "user" })`)
  const error = await failureOf(evaluateWith(evaluator, `metadata({ name = "x", version = "1" })\nmetadata({ bins = 5 })`))
  expect(error.message).toBe("core/x/x.pkg.lua:2: metadata 'bins' must be a list of strings, not a number")
  const unplaced = await failureOf(evaluateWith(evaluator, `metadata({ name = "x", version = "1", dependencies = 5 })`))
  expect(unplaced.message).toBe("core/x/x.pkg.lua:1: dependencies() must be given a table with 'runtime' and/or 'build'")
})

// Names, versions, sub-packages and bins become path components in other modules.
const UNSAFE: [string, string][] = [
  ['a name with a slash (path traversal)', `metadata({ name = "../../etc", version = "1" })`],
  ['a version with a slash (path traversal)', `metadata({ name = "x", version = "../../1" })`],
  ['a sub-package with a slash (path traversal)', `metadata({ name = "x", version = "1", sub_packages = { "a/../../b" } })`],
  ['a bin that is a path (link outside the bin folder)', `metadata({ name = "x", version = "1", bins = { "../../usr/bin/sudo" } })`],
  ['a bin named ..', `metadata({ name = "x", version = "1", bins = { ".." } })`],
]

for (const [what, lua] of UNSAFE) {
  test(`refused: ${what}`, async () => {
    const error = await failureOf(evaluateWith(evaluator, lua))
    expect(error.code).toBe('BAD_DEFINITION')
    expect(error.message).toMatch(/^core\/x\/x\.pkg\.lua:1: metadata '(name|version|sub_packages|bins)'/)
  })
}

test('names, versions and bins in ordinary shapes are accepted', async () => {
  const spec = await evaluateWith(evaluator, `metadata({ name = "python3.12-dev_x+y", version = "1.2.3-rc.1+build~2", bins = { "tool.exe", "x-y" } })`)
  expect(spec.name).toBe('python3.12-dev_x+y')
  expect(spec.version).toBe('1.2.3-rc.1+build~2')
  expect(spec.bins).toEqual(['tool.exe', 'x-y'])
})
