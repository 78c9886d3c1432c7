/**
 * The C functions that every Lua engine of a module shares (lua-allocator.ts puts them in the
 * module's function table): Lua's allocator, with each engine's memory counters, and, implemented
 * in JS, the count hook of the budget and the trampoline behind host functions. They are made once
 * per module. The engine served is found from the arguments: the allocator's userdata and the
 * upvalues of a host closure hold the engine's slot; the hook reports to the engine whose call()
 * is running (calls are synchronous and never nest across engines).
 */
import { addTableFunctions, NO_CEILING, type TableFunctions } from './lua-allocator.ts'
import { LUA_REGISTRYINDEX } from './lua-constants.ts'
import type { LuaModule } from './lua-module.ts'
import type { LuaInstance } from './lua-runtime.ts'
import { pushText } from './lua-stack.ts'

/** What the shared functions need of one engine. */
export interface EngineCallbacks {
  onCount(state: number): void
  hosts: ((state: number) => number)[]
}

export interface Callbacks {
  /**
   * The three functions in the module's function table: `allocator` (lua_Alloc, whose userdata
   * is the engine's counters), `hook` (lua_Hook for the instruction count) and `host`.
   */
  readonly table: TableFunctions
  /**
   * Takes a slot (the upvalue of its host closures) and memory counters for `engine`; the
   * counters at `countersAt` when the engine's state comes from a snapshot (lua-snapshot.ts).
   */
  register(engine: EngineCallbacks, countersAt?: number): { slot: number; counters: MemoryCounters }
  release(slot: number, counters: MemoryCounters): void
  /** Pushes a host closure calling engine.hosts[index]. */
  pushHost(state: number, slot: number, index: number): void
  /** Runs `steps` with `engine` as the one the hook reports to. */
  running<T>(engine: EngineCallbacks, steps: () => T): T
}

/** An engine's bytes in use and ceiling, kept in the wasm heap where the allocator counts. */
export interface MemoryCounters {
  readonly address: number
  used(): number
  /** Allows `bytes` in all; undefined for no ceiling. */
  setCeiling(bytes: number | undefined): void
}

function memoryCounters(lua: LuaInstance, adopted?: number): MemoryCounters {
  const address = adopted ?? lua.exports.malloc(16) // malloc aligns to 8: the two i64 are at index address >> 3
  if (!address) throw new Error('the Lua module is out of memory')
  const at = address >> 3
  if (adopted === undefined) {
    lua.i64[at] = 0n
    lua.i64[at + 1] = NO_CEILING
  }
  return {
    address,
    used: () => Number(lua.i64[at]),
    setCeiling: (bytes) => void (lua.i64[at + 1] = bytes === undefined ? NO_CEILING : BigInt(Math.floor(bytes))),
  }
}

const made = new WeakMap<LuaInstance, Callbacks>()

export function moduleCallbacks(module: LuaModule): Callbacks {
  const { lua } = module
  const raw = lua.exports
  const known = made.get(lua)
  if (known) return known
  const engines: (EngineCallbacks | undefined)[] = []
  const freeSlots: number[] = []
  let active: EngineCallbacks | undefined

  const hook = (state: number): void => active?.onCount(state)

  // Must never throw: a JS exception unwinding through the Lua VM would skip Lua's own error
  // handling, so failures become Lua errors instead.
  const host = (state: number): number => {
    try {
      const slot = raw.lua_tonumberx(state, LUA_REGISTRYINDEX - 1, 0)
      const index = raw.lua_tonumberx(state, LUA_REGISTRYINDEX - 2, 0)
      return engines[slot]!.hosts[index]!(state)
    } catch (e) {
      if (!(e instanceof Error)) throw e // a Lua error (longjmp) already on its way up
      pushText(lua, state, `host function failed: ${e.message}`)
      return raw.lua_error(state)
    }
  }

  const table = addTableFunctions(module, hook, host)

  const callbacks: Callbacks = {
    table,
    register(engine, countersAt) {
      const slot = freeSlots.pop() ?? engines.length
      engines[slot] = engine
      return { slot, counters: memoryCounters(lua, countersAt) }
    },
    release(slot, counters) {
      engines[slot] = undefined
      freeSlots.push(slot)
      raw.free(counters.address)
    },
    pushHost(state, slot, index) {
      raw.lua_pushnumber(state, slot)
      raw.lua_pushnumber(state, index)
      raw.lua_pushcclosure(state, table.host, 2)
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
