/**
 * One wasmoon Lua state with the limits every sandbox needs: an instruction and wall-clock
 * budget enforced by a count hook, a memory ceiling enforced by wasmoon's allocator, and the
 * bookkeeping of the JS functions handed to Lua (freed by close()). Also the small helpers for
 * talking to the raw Lua C API. It knows nothing about definitions or sandbox.lua.
 */
import type { LuaWasm } from 'wasmoon'
import { LUA_REGISTRYINDEX, LuaEventMasks, LuaReturn, LuaType } from './lua-constants.ts'
import { luaModule } from './lua-module.ts'

export interface SandboxLimits {
  instructionBudget: number
  timeLimitMs: number
  memoryLimitBytes: number
}

export type SandboxOutcome =
  | { ok: true; json: string }
  | { ok: false; message: string; limit?: 'instructions' | 'time' | 'memory'; where?: string }

export interface LuaEngine {
  readonly lua: LuaWasm
  /** The main Lua state. */
  readonly L: number
  /** Registers a host function (see hostFunction) that close() frees. */
  host(body: (state: number) => number): number
  /** Runs the setup of the state; if it throws, the engine is closed and the error rethrown. */
  setup<T>(steps: () => T): T
  /** Calls the registry function `ref` under the budget, with `handlerRef` as message handler.
   *  The call may run Lua for at most `timeLeftMs`; its instructions add to the budget's count. */
  call(handlerRef: number, ref: number, timeLeftMs: number): SandboxOutcome
  /** Starts a fresh budget: no trip, no instructions counted, no Lua time used. */
  resetBudget(): void
  /** Milliseconds spent inside call() since the last resetBudget(). */
  luaTimeMs(): number
  memoryUsed(): number
  /** Lets Lua allocate memoryLimitBytes more than it holds now. */
  limitMemory(): void
  unlimitMemory(): void
  close(): void
}

const HOOK_INTERVAL = 1000

interface Trip {
  limit: 'instructions' | 'time'
  where: string
}

export async function openLuaEngine(limits: SandboxLimits): Promise<LuaEngine> {
  const { lua, raw } = await luaModule()
  const m = lua.module
  const memory = { used: 0, max: Infinity }
  // Lua's allocator (lua_Alloc), with the memory ceiling: a refused allocation is a Lua memory
  // error. For a new object `oldSize` is a type tag, not a size.
  const allocator = m.addFunction((_ud: number, pointer: number, oldSize: number, newSize: number) => {
    if (newSize === 0) {
      if (pointer) {
        memory.used -= oldSize
        raw.free(pointer)
      }
      return 0
    }
    const delta = pointer ? newSize - oldSize : newSize
    if (delta > 0 && memory.used + delta > memory.max) return 0
    const moved = raw.realloc(pointer, newSize)
    if (moved) memory.used += delta
    return moved
  }, 'iiiii')
  const L = lua.lua_newstate(allocator, null)
  if (!L) {
    m.removeFunction(allocator)
    throw new Error('the Lua state could not be created (out of memory)')
  }
  lua.luaL_openlibs(L)
  const pointers: number[] = [allocator]
  const budget = { trip: undefined as Trip | undefined, hookCalls: 0, deadline: 0, usedMs: 0 }
  const maxHookCalls = Math.ceil(limits.instructionBudget / HOOK_INTERVAL)
  // Room for the length lua_tolstring reports.
  const sizeSlot = raw.malloc(8)

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

  const close = (): void => {
    lua.lua_close(L)
    raw.free(sizeSlot)
    for (const pointer of pointers) m.removeFunction(pointer)
  }

  function call(handlerRef: number, ref: number, timeLeftMs: number): SandboxOutcome {
    const top = raw.lua_gettop(L)
    budget.deadline = performance.now() + timeLeftMs
    const began = performance.now()
    let status: number
    raw.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(handlerRef))
    raw.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(ref))
    raw.lua_sethook(L, hook, LuaEventMasks.Count, HOOK_INTERVAL)
    try {
      status = raw.lua_pcallk(L, 0, 1, top + 1, 0, 0)
    } finally {
      raw.lua_sethook(L, 0, 0, 0)
      budget.usedMs += performance.now() - began
    }
    const text = readTop(lua, L)
    raw.lua_settop(L, top)
    const trip = budget.trip as Trip | undefined // set by the hook during lua_pcallk
    if (trip) return { ok: false, message: 'sandbox limit reached', limit: trip.limit, where: trip.where }
    if (status === LuaReturn.Ok) return { ok: true, json: text }
    if (status === LuaReturn.ErrorMem) return { ok: false, message: text, limit: 'memory' }
    return { ok: false, message: text }
  }

  return {
    lua,
    L,
    host(body) {
      const pointer = hostFunction(lua, body)
      pointers.push(pointer)
      return pointer
    },
    setup(steps) {
      try {
        return steps()
      } catch (e) {
        close()
        throw e
      }
    },
    call,
    resetBudget() {
      budget.trip = undefined
      budget.hookCalls = 0
      budget.usedMs = 0
    },
    luaTimeMs: () => budget.usedMs,
    memoryUsed: () => memory.used,
    limitMemory: () => void (memory.max = memory.used + limits.memoryLimitBytes),
    unlimitMemory: () => void (memory.max = Infinity),
    close,
  }
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

const encoder = new TextEncoder()

/** Pushes a string of any size. wasmoon's lua_pushstring copies its argument onto the small C
 *  stack of the wasm module, so it is kept for constants: these strings can be any length. */
export function pushText(lua: LuaWasm, state: number, text: string): void {
  const room = text.length * 3 + 1 // UTF-8 needs at most 3 bytes per UTF-16 unit
  const buffer = lua.module._malloc(room)
  try {
    // The heap view is read after malloc, which may have grown (and so replaced) the memory.
    const { written } = encoder.encodeInto(text, lua.module.HEAPU8.subarray(buffer, buffer + room))
    ;(lua.module as unknown as { _lua_pushlstring(L: number, s: number, n: number): number })._lua_pushlstring(state, buffer, written)
  } finally {
    lua.module._free(buffer)
  }
}

/** Pushes the text, or nil when there is none. */
export function pushOptional(lua: LuaWasm, state: number, value: string | undefined): void {
  if (value === undefined) lua.lua_pushnil(state)
  else pushText(lua, state, value)
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

export function check(lua: LuaWasm, L: number, status: number): void {
  if (status !== LuaReturn.Ok) throw new Error(`Lua sandbox setup failed: ${readTop(lua, L)}`)
}
