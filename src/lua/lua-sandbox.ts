/**
 * One Lua state prepared for untrusted definitions: the hardened environment of sandbox.lua in
 * a lua-engine.ts engine, whose budget and memory ceiling start afresh for every run. A Sandbox
 * is a resource: reuse it for many runs, close() it once.
 *
 * Nothing here knows about package metadata; it runs sandbox.lua's `evaluate` and hands back
 * its JSON text or the error, with chunk names (=#0, =#1, …) left for the caller to map.
 */
import { LUA_REGISTRYINDEX } from './lua-constants.ts'
import { openLuaEngine, type EngineState, type LuaEngine, type SandboxLimits, type SandboxOutcome } from './lua-engine.ts'
import { luaModule } from './lua-module.ts'
import { check, pushText, readTop } from './lua-stack.ts'
import { pushSandboxCall, sandboxHosts, type SandboxRun } from './sandbox-environment.ts'

export interface Sandbox {
  run(request: SandboxRun): SandboxOutcome
  /** Where the last run set a metadata key: "#<file index>:<line>", or '' when it did not. */
  whereSet(key: string): string
  /** Where it lives in the module's memory, for a snapshot (lua-snapshot.ts). */
  readonly state: SandboxState
  close(): void
}

/** What a snapshot records of a sandbox: its engine, the registry references of sandbox.lua's functions, its memory once set up. */
export interface SandboxState {
  engine: EngineState
  refs: { handler: number; collect: number; evaluate: number; whereOf: number }
  baseline: number
}

/**
 * A sandbox: the first one of a module loaded with a snapshot is the one the snapshot holds,
 * set up already (lua-snapshot.ts); any other is set up here.
 */
export async function openSandbox(limits: SandboxLimits): Promise<Sandbox> {
  const from = (await luaModule()).takeRestored()
  const engine = await openLuaEngine(limits, from?.engine)
  const { lua, L } = engine
  let current: SandboxRun | undefined
  const hosts = sandboxHosts(engine, () => current)
  if (from) {
    for (const body of hosts) engine.addHost(body)
    engine.setup(() => reseedRandom(engine))
  }

  // sandbox.lua(encode, base, libraries, host functions) -> evaluate, collect, locate_error,
  // run_definition (for build mode only), where_of.
  const refs = from ? from.refs : engine.setup(() => {
    pushSandboxCall(engine, hosts)
    check(lua, L, lua.exports.lua_pcallk(L, 6, 5, 0, 0, 0))
    const whereOf = lua.exports.luaL_ref(L, LUA_REGISTRYINDEX)
    lua.exports.lua_settop(L, -2)
    const handler = lua.exports.luaL_ref(L, LUA_REGISTRYINDEX)
    const collect = lua.exports.luaL_ref(L, LUA_REGISTRYINDEX)
    const evaluate = lua.exports.luaL_ref(L, LUA_REGISTRYINDEX)
    return { handler, collect, evaluate, whereOf }
  })
  const baseline = from ? from.baseline : engine.memoryUsed()

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

  return { run, whereSet, state: { engine: engine.state, refs, baseline }, close: engine.close }
}

/**
 * math.randomseed() with no argument, as luaL_openlibs seeds it: a snapshot's state would
 * otherwise repeat the build's numbers. sandbox.lua empties the global table, so the function
 * is found where luaL_openlibs registered the library: the registry's _LOADED.math.
 */
function reseedRandom({ lua, L }: LuaEngine): void {
  for (const [index, key] of [[LUA_REGISTRYINDEX, '_LOADED'], [-1, 'math'], [-1, 'randomseed']] as const) {
    lua.withText(key, (name) => lua.exports.lua_getfield(L, index, name))
  }
  check(lua, L, lua.exports.lua_pcallk(L, 0, 0, 0, 0, 0))
  lua.exports.lua_settop(L, -3)
}
