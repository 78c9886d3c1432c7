/**
 * One Lua state prepared for untrusted definitions: the hardened environment of sandbox.lua, an
 * instruction and wall-clock budget enforced by a count hook, and a memory ceiling enforced by
 * wasmoon's allocator. A Sandbox is a resource: reuse it for many runs, close() it once.
 *
 * Nothing here knows about package metadata; it runs sandbox.lua's `evaluate` and hands back
 * its JSON text or the error, with chunk names (=#0, =#1, …) left for the caller to map.
 */
import { LUA_REGISTRYINDEX, LuaEventMasks, LuaReturn, LuaType, type LuaWasm } from 'wasmoon'
import { luaFactory } from './lua-module.ts'
import safeLibrariesLua from './safe-libraries.lua' with { type: 'text' }
import sandboxLua from './sandbox.lua' with { type: 'text' }
import toJsonLua from './to-json.lua' with { type: 'text' }

export interface SandboxLimits {
  instructionBudget: number
  timeLimitMs: number
  memoryLimitBytes: number
}

export interface SandboxContext {
  os: string
  arch: string
  distro?: string
  manager?: string
  version?: string
  userPath?: string
  systemPath?: string
}

export type IncludeAnswer = { source: string; chunkname: string } | { error: string }

export interface SandboxRun {
  source: string
  chunkname: string
  context: SandboxContext
  include(path: string): IncludeAnswer
}

export type SandboxOutcome =
  | { ok: true; json: string }
  | { ok: false; message: string; limit?: 'instructions' | 'time' | 'memory'; where?: string }

export interface Sandbox {
  run(request: SandboxRun): SandboxOutcome
  close(): void
}

const HOOK_INTERVAL = 1000

interface Trip {
  limit: 'instructions' | 'time'
  where: string
}

export async function openSandbox(limits: SandboxLimits): Promise<Sandbox> {
  const factory = luaFactory()
  const lua = await factory.getLuaModule()
  const engine = await factory.createEngine({ traceAllocations: true, enableProxy: false })
  const L = engine.global.address
  const m = lua.module
  const pointers: number[] = []
  let current: SandboxRun | undefined
  const budget = { trip: undefined as Trip | undefined, hookCalls: 0, deadline: 0 }
  const maxHookCalls = Math.ceil(limits.instructionBudget / HOOK_INTERVAL)

  // Runs every HOOK_INTERVAL instructions. Once tripped it fires on every instruction, so a
  // definition that catches the error with pcall fails again on its next instruction.
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

  const hostSource = hostFunction(lua, (state) => {
    pushText(lua, state, current?.source ?? '')
    pushText(lua, state, current?.chunkname ?? '=#0')
    return 2
  })
  const hostContext = hostFunction(lua, (state) => {
    const c = current?.context
    for (const value of [c?.os, c?.arch, c?.distro, c?.manager, c?.version, c?.userPath, c?.systemPath]) {
      if (value === undefined) lua.lua_pushnil(state)
      else pushText(lua, state, value)
    }
    return 7
  })
  const hostInclude = hostFunction(lua, (state) => {
    const path = lua.lua_type(state, 1) === LuaType.String ? lua.lua_tolstring(state, 1, null) : ''
    const answer = current ? current.include(path) : { error: 'INCLUDE() is not available here' }
    if ('error' in answer) {
      lua.lua_pushnil(state)
      pushText(lua, state, answer.error)
    } else {
      pushText(lua, state, answer.source)
      pushText(lua, state, answer.chunkname)
    }
    return 2
  })
  pointers.push(hostSource, hostContext, hostInclude)

  const close = (): void => {
    engine.global.close()
    for (const pointer of pointers) m.removeFunction(pointer)
  }

  let evaluateRef: number
  let collectRef: number
  let handlerRef: number
  try {
    // sandbox.lua(encode, base, libraries, host functions) -> evaluate, collect, locate_error.
    // Errors raised in wrappers carry the chunkname =sandbox, which locate_error rewrites.
    loadChunk(lua, L, sandboxLua, '=sandbox')
    loadChunk(lua, L, toJsonLua, '=to-json')
    check(lua, L, lua.lua_pcallk(L, 0, 1, 0, 0, null))
    loadChunk(lua, L, safeLibrariesLua, '=sandbox')
    check(lua, L, lua.lua_pcallk(L, 0, 2, 0, 0, null))
    for (const pointer of [hostSource, hostContext, hostInclude]) lua.lua_pushcclosure(L, pointer, 0)
    check(lua, L, lua.lua_pcallk(L, 6, 3, 0, 0, null))
    handlerRef = lua.luaL_ref(L, LUA_REGISTRYINDEX)
    collectRef = lua.luaL_ref(L, LUA_REGISTRYINDEX)
    evaluateRef = lua.luaL_ref(L, LUA_REGISTRYINDEX)
  } catch (e) {
    close()
    throw e
  }
  const baseline = engine.global.getMemoryUsed()

  function collectGarbage(): void {
    engine.global.setMemoryMax(undefined)
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(collectRef))
    check(lua, L, lua.lua_pcallk(L, 0, 0, 0, 0, null))
  }

  function run(request: SandboxRun): SandboxOutcome {
    // Leftovers of the previous definition must not count against this one's memory.
    if (engine.global.getMemoryUsed() > baseline + 1024 * 1024) collectGarbage()
    engine.global.setMemoryMax(engine.global.getMemoryUsed() + limits.memoryLimitBytes)
    const top = lua.lua_gettop(L)
    current = request
    budget.trip = undefined
    budget.hookCalls = 0
    budget.deadline = performance.now() + limits.timeLimitMs
    let status: LuaReturn
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(handlerRef))
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(evaluateRef))
    lua.lua_sethook(L, hook, LuaEventMasks.Count, HOOK_INTERVAL)
    try {
      status = lua.lua_pcallk(L, 0, 1, top + 1, 0, null)
    } finally {
      lua.lua_sethook(L, null, 0, 0)
      current = undefined
    }
    const text = readTop(lua, L)
    lua.lua_settop(L, top)
    const trip = budget.trip as Trip | undefined // set by the hook during lua_pcallk
    if (trip) return { ok: false, message: 'sandbox limit reached', limit: trip.limit, where: trip.where }
    if (status === LuaReturn.Ok) return { ok: true, json: text }
    if (status === LuaReturn.ErrorMem) return { ok: false, message: text, limit: 'memory' }
    return { ok: false, message: text }
  }

  return { run, close }
}

/** A C function implemented in JS. It must never throw: a JS exception unwinding through the
 *  Lua VM would skip Lua's own error handling, so failures become Lua errors instead. */
export function hostFunction(lua: LuaWasm, body: (state: number) => number): number {
  return lua.module.addFunction((state: number) => {
    try {
      return body(state)
    } catch (e) {
      if (!(e instanceof Error)) throw e // a Lua error (longjmp) already on its way up
      pushText(lua, state, `host function failed: ${e.message}`)
      return lua.lua_error(state)
    }
  }, 'ii')
}

/** Pushes a string of any size. wasmoon's lua_pushstring copies its argument onto the small C
 *  stack of the wasm module, so it is kept for constants: these strings can be any length. */
export function pushText(lua: LuaWasm, state: number, text: string): void {
  const size = lua.module.lengthBytesUTF8(text)
  const buffer = lua.module._malloc(size + 1)
  try {
    lua.module.stringToUTF8(text, buffer, size + 1)
    ;(lua.module as unknown as { _lua_pushlstring(L: number, s: number, n: number): number })._lua_pushlstring(state, buffer, size)
  } finally {
    lua.module._free(buffer)
  }
}

export function loadChunk(lua: LuaWasm, L: number, code: string, name: string): void {
  const size = lua.module.lengthBytesUTF8(code)
  const buffer = lua.module._malloc(size + 1)
  try {
    lua.module.stringToUTF8(code, buffer, size + 1)
    check(lua, L, lua.luaL_loadbufferx(L, buffer, size, name, 't'))
  } finally {
    lua.module._free(buffer)
  }
}

/** The value on top of the stack as text, without running any __tostring of the definition. */
export function readTop(lua: LuaWasm, L: number): string {
  const type = lua.lua_type(L, -1)
  if (type === LuaType.String || type === LuaType.Number) return lua.lua_tolstring(L, -1, null)
  return `(error object is a ${lua.lua_typename(L, type)} value)`
}

export function check(lua: LuaWasm, L: number, status: LuaReturn): void {
  if (status !== LuaReturn.Ok) throw new Error(`Lua sandbox setup failed: ${readTop(lua, L)}`)
}
