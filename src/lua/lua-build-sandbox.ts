/**
 * One Lua state for building one package (or sub-package): the hardened environment of
 * sandbox.lua plus build-sandbox.lua's build globals, run step by step. `start` runs the
 * definition's top level; each `step` runs a lifecycle function until it asks the host for
 * something (`R<json>`) or returns (`D<json>`). The host does the asked work between steps.
 *
 * Budgets are for the whole build, not per step: a definition that loops over cheap host calls
 * still runs out of instructions, and Lua time excludes time spent waiting on the host.
 */
import { LUA_REGISTRYINDEX } from './lua-constants.ts'
import { openLuaEngine, type SandboxLimits, type SandboxOutcome } from './lua-engine.ts'
import { check, loadChunk, pushOptional, pushText } from './lua-stack.ts'
import { pushSandboxCall, sandboxHosts, type SandboxRun } from './sandbox-environment.ts'
import buildSandboxLua from './build-sandbox.lua' with { type: 'text' }
import toJsonLua from './to-json.lua' with { type: 'text' }

export interface BuildGlobals {
  buildDir: string
  stagingDir: string
  buildType: string
  sub?: string
  version?: string
}

/** What the next step hands the definition: a lifecycle function to start, or a host reply. */
export type BuildMessage = { phase: string } | { reply: string }

export interface BuildSandbox {
  start(run: SandboxRun, globals: BuildGlobals): SandboxOutcome
  step(message: BuildMessage): SandboxOutcome
  close(): void
}

export async function openBuildSandbox(limits: SandboxLimits): Promise<BuildSandbox> {
  const engine = await openLuaEngine(limits)
  const { lua, L } = engine
  let run: SandboxRun | undefined
  let globals: BuildGlobals | undefined
  let message: BuildMessage | undefined

  // start: build_dir, staging_dir, build_type, sub, version; step: 'phase', name | 'reply', chunk.
  const hostBuild = (state: number): number => {
    if (message === undefined) {
      for (const value of [globals?.buildDir, globals?.stagingDir, globals?.buildType, globals?.sub, globals?.version]) pushOptional(lua, state, value)
      return 5
    }
    pushText(lua, state, 'phase' in message ? 'phase' : 'reply')
    pushText(lua, state, 'phase' in message ? message.phase : message.reply)
    return 2
  }

  const refs = engine.setup(() => {
    // build-sandbox.lua first (it keeps the coroutine functions), then sandbox.lua as in
    // sandbox-environment.ts, then bind(encode, run_definition, locate_error, host_build).
    loadChunk(lua, L, buildSandboxLua, '=sandbox')
    check(lua, L, lua.exports.lua_pcallk(L, 0, 1, 0, 0, 0))
    loadChunk(lua, L, toJsonLua, '=to-json')
    check(lua, L, lua.exports.lua_pcallk(L, 0, 1, 0, 0, 0))
    pushSandboxCall(engine, sandboxHosts(engine, () => run))
    // stack: bind, encode, evaluate, collect, locate_error, run_definition
    check(lua, L, lua.exports.lua_pcallk(L, 6, 4, 0, 0, 0))
    lua.exports.lua_pushvalue(L, -2)
    const handler = lua.exports.luaL_ref(L, LUA_REGISTRYINDEX)
    lua.exports.lua_rotate(L, -4, 1) // run_definition below evaluate/collect/locate_error
    lua.exports.lua_settop(L, -4) // bind, encode, run_definition
    lua.exports.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(handler))
    engine.pushHost(hostBuild)
    check(lua, L, lua.exports.lua_pcallk(L, 4, 2, 0, 0, 0))
    const step = lua.exports.luaL_ref(L, LUA_REGISTRYINDEX)
    const start = lua.exports.luaL_ref(L, LUA_REGISTRYINDEX)
    return { handler, step, start }
  })
  engine.limitMemory()

  // One budget for the whole build: each call may use the Lua time the earlier ones left.
  const call = (ref: number): SandboxOutcome =>
    engine.call(refs.handler, ref, Math.max(0, limits.timeLimitMs - engine.luaTimeMs()))

  return {
    start(request, build) {
      run = request
      globals = build
      message = undefined
      return call(refs.start)
    },
    step(next) {
      message = next
      try {
        return call(refs.step)
      } finally {
        message = undefined
      }
    },
    close: engine.close,
  }
}
