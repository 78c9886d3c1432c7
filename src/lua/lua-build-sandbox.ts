/**
 * One Lua state for building one package (or sub-package): the hardened environment of
 * sandbox.lua plus build-sandbox.lua's build globals, run step by step. `start` runs the
 * definition's top level; each `step` runs a lifecycle function until it asks the host for
 * something (`R<json>`) or returns (`D<json>`). The host does the asked work between steps.
 *
 * Budgets are for the whole build, not per step: a definition that loops over cheap host calls
 * still runs out of instructions, and Lua time excludes time spent waiting on the host.
 */
import { LUA_REGISTRYINDEX, LuaEventMasks, LuaReturn, LuaType } from 'wasmoon'
import { luaFactory } from './lua-module.ts'
import { check, hostFunction, loadChunk, pushText, readTop } from './lua-sandbox.ts'
import type { SandboxLimits, SandboxOutcome, SandboxRun } from './lua-sandbox.ts'
import buildSandboxLua from './build-sandbox.lua' with { type: 'text' }
import safeLibrariesLua from './safe-libraries.lua' with { type: 'text' }
import sandboxLua from './sandbox.lua' with { type: 'text' }
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

const HOOK_INTERVAL = 1000

interface Trip {
  limit: 'instructions' | 'time'
  where: string
}

export async function openBuildSandbox(limits: SandboxLimits): Promise<BuildSandbox> {
  const factory = luaFactory()
  const lua = await factory.getLuaModule()
  const engine = await factory.createEngine({ traceAllocations: true, enableProxy: false })
  const L = engine.global.address
  const m = lua.module
  const pointers: number[] = []
  let run: SandboxRun | undefined
  let globals: BuildGlobals | undefined
  let message: BuildMessage | undefined
  const budget = { trip: undefined as Trip | undefined, hookCalls: 0, deadline: 0, usedMs: 0 }
  const maxHookCalls = Math.ceil(limits.instructionBudget / HOOK_INTERVAL)

  // As in lua-sandbox.ts: once tripped it fires on every instruction, so pcall cannot swallow it.
  const hook = m.addFunction((state: number) => {
    budget.hookCalls++
    if (!budget.trip && (budget.hookCalls > maxHookCalls || performance.now() > budget.deadline)) {
      lua.luaL_where(state, 0)
      const where = lua.lua_tolstring(state, -1, null)
      lua.lua_settop(state, -2)
      budget.trip = { limit: budget.hookCalls > maxHookCalls ? 'instructions' : 'time', where }
    }
    if (budget.trip) {
      lua.lua_sethook(state, hook, LuaEventMasks.Count, 1)
      lua.lua_pushstring(state, 'sandbox limit reached')
      lua.lua_error(state)
    }
  }, 'vii')
  pointers.push(hook)

  const pushOptional = (state: number, value: string | undefined): void => {
    if (value === undefined) lua.lua_pushnil(state)
    else pushText(lua, state, value)
  }
  const hostSource = hostFunction(lua, (state) => {
    pushText(lua, state, run?.source ?? '')
    pushText(lua, state, run?.chunkname ?? '=#0')
    return 2
  })
  const hostContext = hostFunction(lua, (state) => {
    const c = run?.context
    for (const value of [c?.os, c?.arch, c?.distro, c?.manager, c?.version, c?.userPath, c?.systemPath]) pushOptional(state, value)
    return 7
  })
  const hostInclude = hostFunction(lua, (state) => {
    const path = lua.lua_type(state, 1) === LuaType.String ? lua.lua_tolstring(state, 1, null) : ''
    const answer = run ? run.include(path) : { error: 'INCLUDE() is not available here' }
    if ('error' in answer) {
      lua.lua_pushnil(state)
      pushText(lua, state, answer.error)
    } else {
      pushText(lua, state, answer.source)
      pushText(lua, state, answer.chunkname)
    }
    return 2
  })
  // start: build_dir, staging_dir, build_type, sub, version; step: 'phase', name | 'reply', chunk.
  const hostBuild = hostFunction(lua, (state) => {
    if (message === undefined) {
      for (const value of [globals?.buildDir, globals?.stagingDir, globals?.buildType, globals?.sub, globals?.version]) pushOptional(state, value)
      return 5
    }
    pushText(lua, state, 'phase' in message ? 'phase' : 'reply')
    pushText(lua, state, 'phase' in message ? message.phase : message.reply)
    return 2
  })
  pointers.push(hostSource, hostContext, hostInclude, hostBuild)

  const close = (): void => {
    engine.global.close()
    for (const pointer of pointers) m.removeFunction(pointer)
  }

  let startRef: number
  let stepRef: number
  let handlerRef: number
  try {
    // build-sandbox.lua first (it keeps the coroutine functions), then sandbox.lua as in
    // lua-sandbox.ts, then bind(encode, run_definition, locate_error, host_build).
    loadChunk(lua, L, buildSandboxLua, '=sandbox')
    check(lua, L, lua.lua_pcallk(L, 0, 1, 0, 0, null))
    loadChunk(lua, L, toJsonLua, '=to-json')
    check(lua, L, lua.lua_pcallk(L, 0, 1, 0, 0, null))
    loadChunk(lua, L, sandboxLua, '=sandbox')
    loadChunk(lua, L, toJsonLua, '=to-json')
    check(lua, L, lua.lua_pcallk(L, 0, 1, 0, 0, null))
    loadChunk(lua, L, safeLibrariesLua, '=sandbox')
    check(lua, L, lua.lua_pcallk(L, 0, 2, 0, 0, null))
    for (const pointer of [hostSource, hostContext, hostInclude]) lua.lua_pushcclosure(L, pointer, 0)
    // stack: bind, encode, evaluate, collect, locate_error, run_definition
    check(lua, L, lua.lua_pcallk(L, 6, 4, 0, 0, null))
    handlerRef = storeCopy(-2)
    lua.lua_rotate(L, -4, 1) // run_definition below evaluate/collect/locate_error
    lua.lua_settop(L, -4) // bind, encode, run_definition
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(handlerRef))
    lua.lua_pushcclosure(L, hostBuild, 0)
    check(lua, L, lua.lua_pcallk(L, 4, 2, 0, 0, null))
    stepRef = lua.luaL_ref(L, LUA_REGISTRYINDEX)
    startRef = lua.luaL_ref(L, LUA_REGISTRYINDEX)
  } catch (e) {
    close()
    throw e
  }
  engine.global.setMemoryMax(engine.global.getMemoryUsed() + limits.memoryLimitBytes)

  function storeCopy(index: number): number {
    lua.lua_pushvalue(L, index)
    return lua.luaL_ref(L, LUA_REGISTRYINDEX)
  }

  function call(ref: number): SandboxOutcome {
    const top = lua.lua_gettop(L)
    budget.deadline = performance.now() + Math.max(0, limits.timeLimitMs - budget.usedMs)
    const began = performance.now()
    let status: LuaReturn
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(handlerRef))
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(ref))
    lua.lua_sethook(L, hook, LuaEventMasks.Count, HOOK_INTERVAL)
    try {
      status = lua.lua_pcallk(L, 0, 1, top + 1, 0, null)
    } finally {
      lua.lua_sethook(L, null, 0, 0)
      budget.usedMs += performance.now() - began
    }
    const text = readTop(lua, L)
    lua.lua_settop(L, top)
    const trip = budget.trip as Trip | undefined // set by the hook during lua_pcallk
    if (trip) return { ok: false, message: 'sandbox limit reached', limit: trip.limit, where: trip.where }
    if (status === LuaReturn.Ok) return { ok: true, json: text }
    if (status === LuaReturn.ErrorMem) return { ok: false, message: text, limit: 'memory' }
    return { ok: false, message: text }
  }

  return {
    start(request, build) {
      run = request
      globals = build
      message = undefined
      return call(startRef)
    },
    step(next) {
      message = next
      try {
        return call(stepRef)
      } finally {
        message = undefined
      }
    },
    close,
  }
}
