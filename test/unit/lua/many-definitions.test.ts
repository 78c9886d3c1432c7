// A registry-sized sync's worth of Lua: 5,000 small definitions through one evaluator, every
// result checked. How long it takes is bench/'s business (bench/registry.ts), not a test's.
import { afterAll, expect, test } from 'bun:test'
import { createEvaluator } from '../../../src/lua/index.ts'
import { LINUX, WINDOWS } from './evaluate-harness.ts'

const evaluator = createEvaluator()
afterAll(() => evaluator.close())

const COUNT = 5000

function definition(i: number): string {
  return `local version = ZOI.VERSION or "1.${i}.0"
local bins = { "tool${i}" }
if SYSTEM.OS == "windows" then bins = { "tool${i}.exe" } end
metadata({
  name = "pkg${i}", repo = "core", version = version, description = "Package number ${i}",
  maintainer = { name = "Zoi", email = "zoi@example.com" }, license = "MIT",
  bins = bins, types = { "pre-compiled" }, tags = { "t${i % 7}" }, platforms = { "linux-amd64", "macos" },
})
dependencies({ runtime = { "zoi:lib${i % 13}@^1" }, build = { types = { source = { required = { "zoi:make" } } } } })
function prepare() end
function package() zcp("bin/tool", "\${pkgstore}/bin/tool") end
`
}

test(`evaluates ${COUNT} generated definitions with one evaluator`, async () => {
  const sources = Array.from({ length: COUNT }, (_, i) => definition(i))
  for (let i = 0; i < COUNT; i++) {
    const target = i % 2 === 0 ? LINUX : WINDOWS
    const spec = await evaluator.evaluate({ source: sources[i] ?? '', file: `core/pkg${i}/pkg${i}.pkg.lua`, target })
    expect(spec.name).toBe(`pkg${i}`)
    expect(spec.version).toBe(`1.${i}.0`)
    expect(spec.bins).toEqual([i % 2 === 0 ? `tool${i}` : `tool${i}.exe`])
    expect(spec.tags).toEqual([`t${i % 7}`])
    expect(spec.dependencies.runtime.required).toEqual([`zoi:lib${i % 13}@^1`])
    expect(spec.dependencies.build.types.source?.required).toEqual(['zoi:make'])
  }
})
