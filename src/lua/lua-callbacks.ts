/**
 * The C functions implemented in JS that every Lua engine of a module shares: Lua's allocator
 * (with each engine's memory ceiling), the count hook of the budget, and the trampoline behind
 * host functions. The glue compiles a small wasm module for every JS function it puts in the
 * function table (about 1 ms each), which made up half of an engine's start; so they are made
 * once per module. The engine served is found from the arguments: the allocator's userdata and
 * the upvalues of a host closure hold the engine's slot; the hook reports to the engine whose
 * call() is running (calls are synchronous and never nest across engines).
 */
import type { LuaWasm } from 'wasmoon'
import { LUA_REGISTRYINDEX } from './lua-constants.ts'
import type { LuaModule } from './lua-module.ts'
import { pushText } from './lua-stack.ts'

/** What the shared functions need of one engine. */
export interface EngineCallbacks {
  memory: { used: number; max: number }
  onCount(state: number): void
  hosts: ((state: number) => number)[]
}

export interface Callbacks {
  /** lua_Alloc; its userdata is the engine's slot. */
  readonly allocator: number
  /** lua_Hook for the instruction count. */
  readonly hook: number
  /** Takes an engine's own slot for `engine` (userdata of the allocator, host upvalue). */
  register(engine: EngineCallbacks): number
  release(slot: number): void
  /** Pushes a host closure calling engine.hosts[index]. */
  pushHost(state: number, slot: number, index: number): void
  /** Runs `steps` with `engine` as the one the hook reports to. */
  running<T>(engine: EngineCallbacks, steps: () => T): T
}

const made = new WeakMap<LuaWasm, Callbacks>()

export function moduleCallbacks({ lua, raw }: LuaModule): Callbacks {
  const known = made.get(lua)
  if (known) return known
  const engines: (EngineCallbacks | undefined)[] = [undefined] // slot 0 would be a null userdata
  const freeSlots: number[] = []
  let active: EngineCallbacks | undefined
  const m = lua.module

  // For a new object `oldSize` is a type tag, not a size. A refused allocation is a Lua memory error.
  const allocator = m.addFunction((slot: number, pointer: number, oldSize: number, newSize: number) => {
    const memory = engines[slot]!.memory
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

  const hook = m.addFunction((state: number) => active?.onCount(state), 'vii')

  // Must never throw: a JS exception unwinding through the Lua VM would skip Lua's own error
  // handling, so failures become Lua errors instead.
  const host = m.addFunction((state: number) => {
    try {
      const slot = raw.lua_tonumberx(state, LUA_REGISTRYINDEX - 1, 0)
      const index = raw.lua_tonumberx(state, LUA_REGISTRYINDEX - 2, 0)
      return engines[slot]!.hosts[index]!(state)
    } catch (e) {
      if (!(e instanceof Error)) throw e // a Lua error (longjmp) already on its way up
      pushText(lua, state, `host function failed: ${e.message}`)
      return lua.lua_error(state)
    }
  }, 'ii')

  const callbacks: Callbacks = {
    allocator,
    hook,
    register(engine) {
      const slot = freeSlots.pop() ?? engines.length
      engines[slot] = engine
      return slot
    },
    release(slot) {
      engines[slot] = undefined
      freeSlots.push(slot)
    },
    pushHost(state, slot, index) {
      lua.lua_pushnumber(state, slot)
      lua.lua_pushnumber(state, index)
      lua.lua_pushcclosure(state, host, 2)
    },
    running(engine, steps) {
      const before = active
      active = engine
      try {
        return steps()
      } finally {
        active = before
      }
    },
  }
  made.set(lua, callbacks)
  return callbacks
}
