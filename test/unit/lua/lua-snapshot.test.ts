// The compiled binary starts its first sandbox from a snapshot of the module's memory made at
// build time (src/lua/lua-snapshot.ts). Here a snapshot is made the way build.ts makes it, in one
// time zone, and definitions are evaluated in processes of another time zone: once with the
// snapshot put in (the same substitution of lua-snapshot-file.ts that build.ts does, as a
// runtime plugin) and once without. Every result and error must be the same, and the snapshot
// must really have been used.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { decodeSnapshot, encodeSnapshot } from '../../../src/lua/lua-snapshot.ts'

const lua = resolve(import.meta.dir, '../../../src/lua')
const work = mkdtempSync(join(tmpdir(), 'zoi-lua-snapshot-'))
const snapshot = join(work, 'lua-snapshot.bin')
const preload = join(work, 'embed-snapshot.ts')

const DEFINITIONS = [
  'metadata({ name = "plain", version = "1.0.0", description = "a plain one", bins = { "plain" }, tags = { "a", "b" } })',
  'local parts = {} for k, v in pairs({ x = 1, y = 2, z = 3 }) do parts[#parts + 1] = k .. v end table.sort(parts)\n' +
    'metadata({ name = "loops", version = table.concat(parts, "."), description = string.format("%05.1f|%s", math.pi, os.date("!%Y-%m-%d %H:%M", 86400 * 365)) })',
  'metadata({ name = "zone", version = "1", description = os.date("%Z %z %H", 1719792000) })',
  'INCLUDE("helper.lua")\nmetadata({ name = "inc", version = helper("3"), description = SYSTEM.OS .. "/" .. SYSTEM.ARCH })',
  'string.upper = nil\nmetadata({ name = "meddler", version = "1" })',
  'metadata({ name = "after", version = ("still"):upper() })',
  'local t = {}\nerror("broken on purpose")',
  'while true do end',
  'local s = string.rep("x", 64 * 1024 * 1024)',
  'metadata({ name = "dup", version = "1" })\nmetadata({ name = "dup", version = "2" })',
  'metadata({ name = "rand", version = tostring(math.type(math.random(1, 10))) })',
  'metadata({ name = "last", version = "2.0.0" })',
]

const PROBE = `
import { createEvaluator } from ${JSON.stringify(`${lua}/index.ts`)}
import { LuaInstance } from ${JSON.stringify(`${lua}/lua-runtime.ts`)}
let restored = 0
const reset = LuaInstance.prototype.resetMemory
LuaInstance.prototype.resetMemory = function (...args) { restored++; return reset.apply(this, args) }
const evaluator = createEvaluator({ timeLimitMs: 5000 })
const out = []
for (const source of ${JSON.stringify(DEFINITIONS)}) {
  try {
    const spec = await evaluator.evaluate({ source, file: 'core/x/x.pkg.lua', target: { os: 'linux', arch: 'arm64' }, include: (p) => p === 'helper.lua' ? 'function helper(v) return v .. ".2.1" end' : undefined })
    out.push({ ok: spec })
  } catch (e) {
    out.push({ error: e.message })
  }
}
evaluator.close()
console.log(JSON.stringify({ restored, out }))
`

function probe(withSnapshot: boolean, tz: string): { restored: number; out: unknown[] } {
  const args = withSnapshot ? ['--preload', preload] : []
  const run = Bun.spawnSync([process.execPath, ...args, '-e', PROBE], { cwd: resolve(lua, '../..'), env: { ...process.env, TZ: tz } })
  expect(run.stderr.toString()).toBe('')
  return JSON.parse(run.stdout.toString())
}

beforeAll(() => {
  const make = Bun.spawnSync([process.execPath, '-e', `
    const { makeLuaSnapshot } = await import(${JSON.stringify(`${lua}/make-lua-snapshot.ts`)})
    await Bun.write(${JSON.stringify(snapshot)}, await makeLuaSnapshot())`], { env: { ...process.env, TZ: 'Asia/Kolkata' } })
  if (make.exitCode !== 0) throw new Error(make.stderr.toString())
  writeFileSync(preload, `Bun.plugin({ name: 'snapshot', setup(build) {
    build.onLoad({ filter: /lua-snapshot-file\\.ts$/ }, () => ({ contents: 'export default ' + JSON.stringify(${JSON.stringify(snapshot)}), loader: 'ts' }))
  } })\n`)
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('the Lua snapshot', () => {
  test('evaluating from it gives what a sandbox set up afresh gives, results and errors alike', () => {
    const fresh = probe(false, 'America/New_York')
    const fromSnapshot = probe(true, 'America/New_York')
    expect(fresh.restored).toBe(0)
    expect(fromSnapshot.restored).toBe(1)
    expect(fromSnapshot.out).toEqual(fresh.out)
    // The cases did what they are for: results, errors with their lines, limits, a time zone that is not the snapshot's.
    expect(JSON.stringify(fresh.out)).toContain('broken on purpose')
    expect(JSON.stringify(fresh.out)).toContain('Eastern Daylight Time -0400 20')
    expect(JSON.stringify(fresh.out)).toContain('"version":"3.2.1","versions":{},"revision":"1","description":"linux/arm64"')
    expect(fresh.out.filter((o) => 'error' in (o as object))).toEqual([
      { error: 'core/x/x.pkg.lua:2: broken on purpose' },
      { error: 'core/x/x.pkg.lua:1: evaluation exceeded its budget of 10000000 Lua instructions' },
      { error: 'core/x/x.pkg.lua: evaluation used more than 32 MiB of memory' },
    ])
  }, 60_000)

  test('an engine opened before the first sandbox (a build) leaves the snapshot unused, and evaluation still works', () => {
    const script = `
      import { openBuildSandbox } from ${JSON.stringify(`${lua}/lua-build-sandbox.ts`)}
      import { evaluateDefinition } from ${JSON.stringify(`${lua}/index.ts`)}
      import { LuaInstance } from ${JSON.stringify(`${lua}/lua-runtime.ts`)}
      let restored = 0
      const reset = LuaInstance.prototype.resetMemory
      LuaInstance.prototype.resetMemory = function (...args) { restored++; return reset.apply(this, args) }
      const build = await openBuildSandbox({ instructionBudget: 1e7, timeLimitMs: 5000, memoryLimitBytes: 32 * 1024 * 1024 })
      const spec = await evaluateDefinition({ source: 'metadata({ name = "after-build", version = "1" })', file: 'core/a/a.pkg.lua', target: { os: 'linux', arch: 'amd64' } })
      build.close()
      console.log(spec.name, restored)`
    const run = Bun.spawnSync([process.execPath, '--preload', preload, '-e', script], { cwd: resolve(lua, '../..') })
    expect(run.stderr.toString()).toBe('')
    expect(run.stdout.toString().trim()).toBe('after-build 1') // the snapshot was restored, then left for a sandbox set up afresh
  }, 60_000)

  test('a snapshot of another wasm is not used: the sandbox is set up afresh', () => {
    const bytes = new Uint8Array(require('node:fs').readFileSync(snapshot))
    const { header } = decodeSnapshot(bytes)
    const memory = new Uint8Array(header.memory)
    decodeSnapshot(bytes).writeInto(memory)
    writeFileSync(snapshot, encodeSnapshot({ ...header, wasm: 'not-this-one' }, memory))
    const other = probe(true, 'UTC')
    expect(other.restored).toBe(0)
    expect(other.out).toEqual(probe(false, 'UTC').out)
  }, 60_000)

  test('a snapshot round-trips through its format, zero pages left out', () => {
    const memory = new Uint8Array(5 * 4096)
    memory[10] = 1
    memory[3 * 4096 + 7] = 2
    const header = { wasm: 'w', memory: memory.length, stackPointer: 1, tableBase: 2, table: { allocator: 3, hook: 4, host: 5 }, scratch: 6,
      sandbox: { engine: { L: 7, slot: 0, counters: 8 }, refs: { handler: 1, collect: 2, evaluate: 3, whereOf: 4 }, baseline: 9 } }
    const bytes = encodeSnapshot(header, memory)
    expect(bytes.length).toBeLessThan(3 * 4096)
    const back = decodeSnapshot(bytes)
    expect(back.header).toEqual(header)
    const into = new Uint8Array(memory.length)
    back.writeInto(into)
    expect(into).toEqual(memory)
    expect(() => decodeSnapshot(bytes.subarray(0, bytes.length - 1))).toThrow('cut short')
    expect(() => decodeSnapshot(new TextEncoder().encode('something else\n{}\n'))).toThrow('not a zoi Lua snapshot')
  })
})
