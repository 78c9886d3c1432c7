import { afterAll, describe, expect, test } from 'bun:test'
import { createEvaluator } from '../../../src/lua/index.ts'
import { evaluateWith, failureOf, LINUX, WINDOWS } from './evaluate-harness.ts'

const evaluator = createEvaluator()
afterAll(() => evaluator.close())

// Shaped like the definitions in the Zillowe registries.
const HELLO = `
local repo_owner = "zillowe"
local version = ZOI.VERSION or "5.0.0"
local git_url = "https://github.com/" .. repo_owner .. "/hello.git"

local bins = { "hello" }
if SYSTEM.OS == "windows" then
  bins = { "hello.exe" }
end

metadata({
  name = "hello",
  repo = "core",
  version = version,
  revision = "10",
  description = "Hello World",
  website = "https://github.com/zillowe/hello",
  git = git_url,
  maintainer = { name = "Zillowe Foundation", website = "https://zillowe.qzz.io", email = "contact@zillowe.qzz.io" },
  author = { name = "Zillowe Foundation" },
  license = "Apache-2.0",
  bins = bins,
  types = { "source", "pre-compiled" },
  platforms = { "linux-amd64", "macos", "windows" },
  tags = { "hello", "example" },
})

dependencies({})

function prepare()
  UTILS.EXTRACT("https://example.invalid/hello-" .. PKG.version .. ".tar.gz", "src")
end
function package(args) zcp("src/hello", "\${pkgstore}/bin/hello") end
function verify() return verifyHash("x", "sha512-00") end
function uninstall() end
`

describe('metadata of real-registry-shaped definitions', () => {
  test('reads every field and keeps the dependency block empty', async () => {
    const spec = await evaluateWith(evaluator, HELLO)
    expect(spec.name).toBe('hello')
    expect(spec.repo).toBe('core')
    expect(spec.version).toBe('5.0.0')
    expect(spec.revision).toBe('10')
    expect(spec.git).toBe('https://github.com/zillowe/hello.git')
    expect(spec.maintainer).toEqual({ name: 'Zillowe Foundation', website: 'https://zillowe.qzz.io', email: 'contact@zillowe.qzz.io' })
    expect(spec.author).toEqual({ name: 'Zillowe Foundation' })
    expect(spec.bins).toEqual(['hello'])
    expect(spec.types).toEqual(['source', 'pre-compiled'])
    expect(spec.platforms).toEqual(['linux-amd64', 'macos', 'windows'])
    expect(spec.tags).toEqual(['hello', 'example'])
    expect(spec.dependencies.runtime.required).toEqual([])
    expect(spec.dependencies.build.required).toEqual([])
    expect(spec.extra).toEqual({})
  })

  test('ZOI.VERSION overrides the default version when a version is being resolved', async () => {
    const spec = await evaluateWith(evaluator, HELLO, { version: '5.1.0' })
    expect(spec.version).toBe('5.1.0')
  })

  test('a top-level SYSTEM.OS branch changes bins for the target platform', async () => {
    const spec = await evaluateWith(evaluator, HELLO, { target: WINDOWS })
    expect(spec.bins).toEqual(['hello.exe'])
  })

  test('SYSTEM carries the target arch, distro and manager', async () => {
    const spec = await evaluateWith(
      evaluator,
      `metadata({ name = "s", version = "1", tags = { SYSTEM.OS, SYSTEM.ARCH, SYSTEM.DISTRO, SYSTEM.MANAGER } })`,
      { target: { os: 'freebsd', arch: 'arm64', distro: 'arch', manager: 'pacman' } },
    )
    expect(spec.tags).toEqual(['freebsd', 'arm64', 'arch', 'pacman'])
  })

  test('ZOI.PATH holds the user and system paths', async () => {
    const spec = await evaluateWith(evaluator, `metadata({ name = "p", version = "1", backup = { ZOI.PATH.user, ZOI.PATH.system } })`, {
      zoiPaths: { user: '/home/u/.zoi', system: '/usr/local/bin' },
    })
    expect(spec.backup).toEqual(['/home/u/.zoi', '/usr/local/bin'])
  })

  test('channel-only packages: versions without version', async () => {
    const spec = await evaluateWith(evaluator, `metadata({ name = "c", versions = { stable = "1.0.0", alpha = "1.1.0-alpha" } })`)
    expect(spec.version).toBeUndefined()
    expect(spec.versions).toEqual({ stable: '1.0.0', alpha: '1.1.0-alpha' })
  })

  test('split packages: sub_packages and main_subs', async () => {
    const spec = await evaluateWith(evaluator, `metadata({ name = "g", version = "1", sub_packages = { "dev", "lib" }, main_subs = { "dev" } })`)
    expect(spec.subPackages).toEqual(['dev', 'lib'])
    expect(spec.mainSubs).toEqual(['dev'])
  })

  test('empty tables become empty lists, absent lists default to empty, revision defaults to "1"', async () => {
    const spec = await evaluateWith(evaluator, `metadata({ name = "e", version = "1", bins = {}, tags = {}, versions = {} })`)
    expect(spec.bins).toEqual([])
    expect(spec.provides).toEqual([])
    expect(spec.versions).toEqual({})
    expect(spec.revision).toBe('1')
  })

  test('unknown keys are kept in extra; man may be a list', async () => {
    const spec = await evaluateWith(evaluator, `metadata({ name = "u", version = "1", alt = "other", ci = { tags = { x = "y" } }, man = { "a.1", "b.5" } })`)
    expect(spec.extra).toEqual({ alt: 'other', ci: { tags: { x: 'y' } } })
    expect(spec.man).toEqual(['a.1', 'b.5'])
  })

  test('hooks(), service() and updates() are accepted and kept in extra', async () => {
    const spec = await evaluateWith(evaluator, `
      metadata({ name = "h", version = "1" })
      hooks({ post_install = { "echo hi" } })
      updates({ { type = "change", message = "renamed" } })`)
    expect(spec.extra).toEqual({ hooks: { post_install: ['echo hi'] }, updates: [{ type: 'change', message: 'renamed' }] })
  })
})

describe('globals', () => {
  test('PKG is a copy of what metadata received, updated on every call', async () => {
    const spec = await evaluateWith(evaluator, `
      local before = PKG.name
      metadata({ name = "first", version = "1.0" })
      metadata({ description = "name was " .. PKG.name .. ", before " .. tostring(before) })
      metadata({ name = "second" })`)
    expect(spec.name).toBe('second')
    expect(spec.version).toBe('1.0')
    expect(spec.description).toBe('name was first, before nil')
  })

  test('lifecycle stubs exist before the definition replaces them', async () => {
    const spec = await evaluateWith(evaluator, `
      prepare() build() package() uninstall()
      metadata({ name = "l", version = "1", tags = { tostring(verify()), tostring(test()) } })`)
    expect(spec.tags).toEqual(['true', 'true'])
  })

  test('string, table, math, utf8 and the clock functions of os work', async () => {
    const spec = await evaluateWith(evaluator, `
      local parts = {}
      for part in ("1.22.3"):gmatch("%d+") do table.insert(parts, part) end
      local n = math.max(tonumber(parts[1]), 0) + math.floor(2.5)
      assert(type(os.time()) == "number" and type(os.clock()) == "number" and type(os.date("%Y")) == "string")
      metadata({ name = "m", version = string.format("%d.%s", n, table.concat(parts, "-", 2)), tags = { tostring(utf8.len("é")) } })`)
    expect(spec.version).toBe('3.22-3')
    expect(spec.tags).toEqual(['1'])
  })

  test('UTILS used at the top level fails with a clear message', async () => {
    const error = await failureOf(evaluateWith(evaluator, `local v = UTILS.FETCH.url("https://x")`))
    expect(error.message).toBe('core/x/x.pkg.lua:1: UTILS.FETCH is only available while building a package')
  })
})

describe('INCLUDE', () => {
  const files: Record<string, string> = {
    'common.lua': 'COMMON_BINS = { "tool" }\nfunction helper(v) return "v" .. v end',
    'lib/deep.lua': 'DEEP = true',
    'broken.lua': 'local x = nil\nx.y = 1',
  }
  const include = (path: string): string | undefined => files[path]

  test('runs a file next to the definition in the same environment', async () => {
    const spec = await evaluateWith(evaluator, `INCLUDE("common.lua") INCLUDE("./lib/deep.lua")
      metadata({ name = "i", version = helper("1"), bins = COMMON_BINS, tags = { tostring(DEEP) } })`, { include })
    expect(spec.version).toBe('v1')
    expect(spec.bins).toEqual(['tool'])
    expect(spec.tags).toEqual(['true'])
  })

  test('an error inside an included file names that file and line', async () => {
    const error = await failureOf(evaluateWith(evaluator, `INCLUDE("broken.lua")`, { include }))
    expect(error.code).toBe('BAD_DEFINITION')
    expect(error.message).toBe("core/x/broken.lua:2: attempt to index a nil value (local 'x')")
  })

  test('a missing file is an error at the INCLUDE line', async () => {
    const error = await failureOf(evaluateWith(evaluator, `\nINCLUDE("nope.lua")`, { include }))
    expect(error.message).toBe('core/x/x.pkg.lua:2: INCLUDE("nope.lua"): no such file next to core/x/x.pkg.lua')
  })

  test('a file outside the definition folder is refused before the reader is asked', async () => {
    const asked: string[] = []
    const error = await failureOf(evaluateWith(evaluator, `INCLUDE("../../etc/passwd")`, { include: (p) => (asked.push(p), 'x') }))
    expect(error.message).toContain("only files inside the definition's folder can be included")
    expect(asked).toEqual([])
  })
})

describe('evaluator lifetime', () => {
  test('concurrent evaluations on a fresh evaluator share one VM and all succeed', async () => {
    const fresh = createEvaluator()
    try {
      const specs = await Promise.all(
        Array.from({ length: 20 }, (_, i) => evaluateWith(fresh, `metadata({ name = "c${i}", version = "${i}.0" })`)),
      )
      expect(specs.map((spec) => spec.name)).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`))
    } finally {
      fresh.close()
    }
  })

  test('evaluators opened one after another and side by side keep their own budgets', async () => {
    // They share the module's allocator, hook and host trampoline; memory counters and host
    // functions are per engine.
    const first = createEvaluator({ memoryLimitBytes: 4 * 1024 * 1024 })
    const second = createEvaluator()
    try {
      const big = `local s = string.rep("x", 8 * 1024 * 1024) metadata({ name = "big", version = "1", description = tostring(#s) })`
      expect((await failureOf(evaluateWith(first, big))).message).toBe('core/x/x.pkg.lua: evaluation used more than 4 MiB of memory')
      expect((await evaluateWith(second, big)).description).toBe(String(8 * 1024 * 1024))
      expect((await evaluateWith(first, `metadata({ name = "small", version = "1", description = ZOI.VERSION })`, { version: '9' })).description).toBe('9')
    } finally {
      first.close()
      second.close()
    }
    for (let i = 0; i < 12; i++) {
      const again = createEvaluator()
      expect((await evaluateWith(again, `metadata({ name = "n${i}", version = "1" })`)).name).toBe(`n${i}`)
      again.close()
    }
  })

  test('an evaluator refuses work after close()', async () => {
    const closed = createEvaluator()
    await evaluateWith(closed, `metadata({ name = "a", version = "1" })`)
    closed.close()
    const error = await failureOf(evaluateWith(closed, `metadata({ name = "a", version = "1" })`))
    expect(error.code).toBe('INTERNAL')
  })
})

test('evaluateDefinition works without creating an evaluator', async () => {
  const { evaluateDefinition } = await import('../../../src/lua/index.ts')
  const spec = await evaluateDefinition({ source: HELLO, file: 'core/hello/hello.pkg.lua', target: LINUX })
  expect(spec.name).toBe('hello')
})
