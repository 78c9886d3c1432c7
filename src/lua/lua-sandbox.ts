/**
 * One Lua state prepared for untrusted definitions: the hardened environment of sandbox.lua in
 * a lua-engine.ts engine, whose budget and memory ceiling start afresh for every run. A Sandbox
 * is a resource: reuse it for many runs, close() it once.
 *
 * Nothing here knows about package metadata; it runs sandbox.lua's `evaluate` and hands back
 * its JSON text or the error, with chunk names (=#0, =#1, …) left for the caller to map.
 */
import { LUA_REGISTRYINDEX } from './lua-constants.ts'
import { openLuaEngine, type SandboxLimits, type SandboxOutcome } from './lua-engine.ts'
import { check, pushText, readTop } from './lua-stack.ts'
import { pushSandboxCall, type SandboxRun } from './sandbox-environment.ts'

export interface Sandbox {
  run(request: SandboxRun): SandboxOutcome
  /** Where the last run set a metadata key: "#<file index>:<line>", or '' when it did not. */
  whereSet(key: string): string
  close(): void
}

export async function openSandbox(limits: SandboxLimits): Promise<Sandbox> {
  const engine = await openLuaEngine(limits)
  const { lua, L } = engine
  let current: SandboxRun | undefined

  // sandbox.lua(encode, base, libraries, host functions) -> evaluate, collect, locate_error,
  // run_definition (for build mode only), where_of.
  const refs = engine.setup(() => {
    pushSandboxCall(engine, () => current)
    check(lua, L, lua.exports.lua_pcallk(L, 6, 5, 0, 0, 0))
    const whereOf = lua.exports.luaL_ref(L, LUA_REGISTRYINDEX)
    lua.exports.lua_settop(L, -2)
    const handler = lua.exports.luaL_ref(L, LUA_REGISTRYINDEX)
    const collect = lua.exports.luaL_ref(L, LUA_REGISTRYINDEX)
    const evaluate = lua.exports.luaL_ref(L, LUA_REGISTRYINDEX)
    return { handler, collect, evaluate, whereOf }
  })
  const baseline = engine.memoryUsed()

  function collectGarbage(): void {
    engine.unlimitMemory()
    lua.exports.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(refs.collect))
    check(lua, L, lua.exports.lua_pcallk(L, 0, 0, 0, 0, 0))
  }

  function run(request: SandboxRun): SandboxOutcome {
    // Leftovers of the previous definition must not count against this one's memory.
    if (engine.memoryUsed() > baseline + 1024 * 1024) collectGarbage()
    engine.limitMemory()
    current = request
    engine.resetBudget()
    try {
      return engine.call(refs.handler, refs.evaluate, limits.timeLimitMs)
    } finally {
      current = undefined
    }
  }

  // Reads a table of sandbox.lua's own (no code of the definition runs), outside any budget.
  function whereSet(key: string): string {
    lua.exports.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(refs.whereOf))
    pushText(lua, L, key)
    check(lua, L, lua.exports.lua_pcallk(L, 1, 1, 0, 0, 0))
    const where = readTop(lua, L)
    lua.exports.lua_settop(L, -2)
    return where
  }

  return { run, whereSet, close: engine.close }
}
