/**
 * One Lua state of wasmoon's module with the limits every sandbox needs: an instruction and
 * wall-clock budget enforced by a count hook, a memory ceiling enforced by the allocator (both
 * in lua-callbacks.ts), and the host functions handed to Lua. It knows nothing about
 * definitions or sandbox.lua.
 */
import { moduleCallbacks, type EngineCallbacks } from './lua-callbacks.ts'
import { LUA_REGISTRYINDEX, LuaEventMasks, LuaReturn } from './lua-constants.ts'
import { luaModule } from './lua-module.ts'
import type { LuaInstance } from './lua-runtime.ts'
import { pushText, readTop } from './lua-stack.ts'

export interface SandboxLimits {
  instructionBudget: number
  timeLimitMs: number
  memoryLimitBytes: number
}

export type SandboxOutcome =
  | { ok: true; json: string }
  | { ok: false; message: string; limit?: 'instructions' | 'time' | 'memory'; where?: string }

/** Where an engine lives in the module's memory: what a snapshot records of it (lua-snapshot.ts). */
export interface EngineState {
  /** The main Lua state. */
  L: number
  /** Its slot among the module's engines (the upvalue of its host closures). */
  slot: number
  /** Its memory counters (lua-callbacks.ts). */
  counters: number
}

export interface LuaEngine {
  readonly lua: LuaInstance
  /** The main Lua state. */
  readonly L: number
  readonly state: EngineState
  /** Pushes a C function whose body is JS (see lua-callbacks.ts); it may be called only during
   *  call(). It must leave its results on the stack and return their count; a JS error it
   *  throws becomes a Lua error. */
  pushHost(body: (state: number) => number): void
  /** Gives the body of the host closure the state of a snapshot already holds, in the order they were pushed. */
  addHost(body: (state: number) => number): void
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

/** A new engine, or (`from`) the one a snapshot left in the module's memory (lua-snapshot.ts). */
export async function openLuaEngine(limits: SandboxLimits, from?: EngineState): Promise<LuaEngine> {
  const module = await luaModule()
  const { lua } = module
  const raw = lua.exports
  const shared = moduleCallbacks(module)
  const budget = { trip: undefined as Trip | undefined, hookCalls: 0, deadline: 0, usedMs: 0 }
  const maxHookCalls = Math.ceil(limits.instructionBudget / HOOK_INTERVAL)
  const self: EngineCallbacks = { onCount, hosts: [] }
  // An engine of its own takes the next slot: a snapshot's sandbox, not taken yet, can no longer be.
  if (!from) module.takeRestored()
  const { slot, counters } = shared.register(self, from?.counters)
  if (from && from.slot !== slot) {
    shared.release(slot, counters)
    throw new Error(`the Lua snapshot's engine has slot ${from.slot}, this one ${slot}`)
  }
  const L = from ? from.L : raw.lua_newstate(shared.table.allocator, counters.address)
  if (!L) {
    shared.release(slot, counters)
    throw new Error('the Lua state could not be created (out of memory)')
  }
  if (!from) raw.luaL_openlibs(L)

  // Runs every HOOK_INTERVAL instructions. Once tripped it fires on every instruction, so a
  // definition that catches the error with pcall fails again on its next instruction.
  function onCount(state: number): void {
    budget.hookCalls++
    if (!budget.trip && (budget.hookCalls > maxHookCalls || performance.now() > budget.deadline)) {
      raw.luaL_where(state, 0)
      const where = lua.readCString(raw.lua_tolstring(state, -1, 0))
      raw.lua_settop(state, -2)
      budget.trip = { limit: budget.hookCalls > maxHookCalls ? 'instructions' : 'time', where }
    }
    if (budget.trip) {
      raw.lua_sethook(state, shared.table.hook, LuaEventMasks.Count, 1)
      pushText(lua, state, 'sandbox limit reached')
      raw.lua_error(state)
    }
  }

  let open = true
  const close = (): void => {
    if (!open) return // a second lua_close would free the state twice
    open = false
    raw.lua_close(L)
    shared.release(slot, counters)
  }

  function call(handlerRef: number, ref: number, timeLeftMs: number): SandboxOutcome {
    const top = raw.lua_gettop(L)
    budget.deadline = performance.now() + timeLeftMs
    const began = performance.now()
    let status: number
    raw.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(handlerRef))
    raw.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(ref))
    raw.lua_sethook(L, shared.table.hook, LuaEventMasks.Count, HOOK_INTERVAL)
    try {
      status = shared.running(self, () => raw.lua_pcallk(L, 0, 1, top + 1, 0, 0))
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
    state: { L, slot, counters: counters.address },
    pushHost(body) {
      self.hosts.push(body)
      shared.pushHost(L, slot, self.hosts.length - 1)
    },
    addHost(body) {
      self.hosts.push(body)
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
    memoryUsed: counters.used,
    limitMemory: () => counters.setCeiling(counters.used() + limits.memoryLimitBytes),
    unlimitMemory: () => counters.setCeiling(undefined),
    close,
  }
}
