import { afterAll, expect, test } from 'bun:test'
import { createEvaluator, emptyDependencyGroup, type DependencyGroup } from '../../../src/lua/index.ts'
import { evaluateWith, failureOf } from './evaluate-harness.ts'

const evaluator = createEvaluator()
afterAll(() => evaluator.close())

const META = 'metadata({ name = "d", version = "1" })\n'
const group = (parts: Partial<DependencyGroup>): DependencyGroup => ({ ...emptyDependencyGroup(), ...parts })

const CASES: { name: string; lua: string; runtime: DependencyGroup; build: DependencyGroup }[] = [
  {
    name: 'list form; strings stay raw (manager, range, description)',
    lua: `dependencies({ runtime = { "zoi:openssl@^3", "native:zlib", "zoi:@core/lib@1.2:why not" } })`,
    runtime: group({ required: ['zoi:openssl@^3', 'native:zlib', 'zoi:@core/lib@1.2:why not'] }),
    build: group({}),
  },
  {
    name: 'group form with required and optional',
    lua: `dependencies({ runtime = { required = { "native:gtk4" } }, build = { required = { "native:zig@0.14" }, optional = { "zoi:ccache:faster rebuilds" } } })`,
    runtime: group({ required: ['native:gtk4'] }),
    build: group({ required: ['native:zig@0.14'], optional: ['zoi:ccache:faster rebuilds'] }),
  },
  {
    name: 'per-build-type groups, including an empty one and a list-form one',
    lua: `dependencies({ build = { types = { source = { required = { "zoi:make" }, optional = {} }, ["pre-compiled"] = { "zoi:patchelf" }, empty = { required = {} } } } })`,
    runtime: group({}),
    build: group({ types: { source: group({ required: ['zoi:make'] }), 'pre-compiled': group({ required: ['zoi:patchelf'] }), empty: group({}) } }),
  },
  {
    name: 'options and sub-package groups',
    lua: `dependencies({ build = {
      options = { { name = "GUI", desc = "pick a toolkit", all = false, depends = { "native:qt6:KDE", "native:gtk4:GNOME" } }, { name = "docs", depends = {} } },
      sub_packages = { headers = { required = { "native:pahole" } } } } })`,
    runtime: group({}),
    build: group({
      options: [
        { name: 'GUI', desc: 'pick a toolkit', all: false, depends: ['native:qt6:KDE', 'native:gtk4:GNOME'] },
        { name: 'docs', all: false, depends: [] },
      ],
      subPackages: { headers: group({ required: ['native:pahole'] }) },
    }),
  },
  {
    name: 'empty tables everywhere',
    lua: `dependencies({ runtime = {}, build = { types = {} } })`,
    runtime: group({}),
    build: group({}),
  },
  {
    name: 'later dependencies() calls replace a side, keep the other',
    lua: `dependencies({ runtime = { "zoi:a" }, build = { "zoi:b" } }) dependencies({ runtime = { "zoi:c" } })`,
    runtime: group({ required: ['zoi:c'] }),
    build: group({ required: ['zoi:b'] }),
  },
  {
    name: 'a dependencies key inside metadata is used when dependencies() is not called',
    lua: `metadata({ dependencies = { runtime = { "zoi:from-meta" } } })`,
    runtime: group({ required: ['zoi:from-meta'] }),
    build: group({}),
  },
]

for (const c of CASES) {
  test(c.name, async () => {
    const spec = await evaluateWith(evaluator, META + c.lua)
    expect(spec.dependencies.runtime).toEqual(c.runtime)
    expect(spec.dependencies.build).toEqual(c.build)
  })
}

const BAD: [string, string, string][] = [
  ['a string instead of a list', `dependencies({ runtime = "zoi:a" })`, "dependencies 'runtime' must be a list of dependency strings or a group table"],
  ['a number inside the list', `dependencies({ runtime = { "zoi:a", 3 } })`, "dependencies 'runtime' must be a list of strings"],
  ['an empty dependency string', `dependencies({ build = { required = { "" } } })`, "dependencies 'build.required' contains an empty string"],
  ['types that is not a table', `dependencies({ build = { types = "source" } })`, "dependencies 'build.types' must be a table of groups by name"],
  ['an option without a name', `dependencies({ build = { options = { { depends = {} } } } })`, "dependencies 'build.options[1]' has no 'name'"],
  ['dependencies() given a string', `dependencies("zoi:a")`, 'dependencies() expects a table, got string'],
]

for (const [name, lua, message] of BAD) {
  test(`refused: ${name}`, async () => {
    const error = await failureOf(evaluateWith(evaluator, META + lua))
    expect(error.code).toBe('BAD_DEFINITION')
    expect(error.message).toStartWith('core/x/x.pkg.lua')
    expect(error.message).toContain(message)
  })
}
