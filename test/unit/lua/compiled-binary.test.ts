// The Lua wasm must travel inside the single zoi executable: compile a tiny program that uses
// src/lua, run it from a folder far from node_modules, and check where it read the wasm from.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const work = mkdtempSync(join(tmpdir(), 'zoi-lua-binary-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

test('a compiled binary evaluates definitions with the wasm embedded (/$bunfs/)', async () => {
  const index = resolve(import.meta.dir, '../../../src/lua/index.ts')
  const probe = join(work, 'probe.ts')
  writeFileSync(probe, `
import { evaluateDefinition, luaWasmPath } from ${JSON.stringify(index)}
const spec = await evaluateDefinition({
  source: 'metadata({ name = "hello", version = ZOI.VERSION or "1.0.0", bins = { SYSTEM.OS } })',
  file: 'core/hello/hello.pkg.lua', target: { os: 'linux', arch: 'arm64' }, version: '2.0.0',
})
let loop = ''
try { await evaluateDefinition({ source: 'while true do end', file: 'core/x/x.pkg.lua', target: { os: 'linux', arch: 'amd64' } }) }
catch (e) { loop = (e as Error).message }
console.log(JSON.stringify({ wasm: luaWasmPath(), name: spec.name, version: spec.version, bins: spec.bins, loop }))
`)
  const binary = join(work, 'luaprobe')
  const build = Bun.spawnSync([process.execPath, 'build', '--compile', '--minify', '--bytecode', '--format=esm', probe, '--outfile', binary], {
    cwd: resolve(import.meta.dir, '../../..'),
  })
  expect(build.exitCode).toBe(0)
  const run = Bun.spawnSync([binary], { cwd: work, env: { PATH: '/usr/bin:/bin' } })
  expect(run.stderr.toString()).toBe('')
  const out = JSON.parse(run.stdout.toString()) as Record<string, unknown>
  expect(String(out.wasm)).toStartWith('/$bunfs/')
  expect(out).toMatchObject({ name: 'hello', version: '2.0.0', bins: ['linux'] })
  // Stopped by a sandbox limit: the instruction budget, or on a busy machine the wall-clock one first.
  expect(String(out.loop)).toMatch(/^core\/x\/x\.pkg\.lua:1: evaluation (exceeded its budget of 10000000 Lua instructions|took longer than \d+ ms)$/)
}, 60_000)
