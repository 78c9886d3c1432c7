/**
 * Loads the Lua 5.4 WebAssembly module (wasmoon) once per process. The wasm file is embedded
 * into the compiled zoi binary by the `type: 'file'` import, so no node_modules is needed at
 * run time; in the compiled binary the path starts with /$bunfs/.
 *
 * wasmoon's glue reaches every C function through a checking wrapper (its Emscripten build
 * has assertions on), and Lua's allocator calls realloc/free through it hundreds of times per
 * definition. So the module's own exports are kept too, caught as the glue instantiates them;
 * where they cannot be caught, `raw` falls back to the wrapped functions: same calls, slower.
 */
import type { LuaWasm } from 'wasmoon'
import wasmPath from 'wasmoon/dist/glue.wasm' with { type: 'file' }
import { compileTableFunctions } from './lua-allocator.ts'
import { lowerInitialMemory } from './wasm-initial-memory.ts'

/** The C functions zoi calls on hot paths, by their C names. */
export interface RawLua {
  realloc(pointer: number, size: number): number
  free(pointer: number): void
  malloc(size: number): number
  lua_gettop(L: number): number
  lua_settop(L: number, index: number): void
  lua_rawgeti(L: number, index: number, n: bigint): number
  lua_sethook(L: number, hook: number, mask: number, count: number): void
  lua_pcallk(L: number, nargs: number, nresults: number, handler: number, ctx: number, k: number): number
  lua_pushlstring(L: number, text: number, size: number): number
  lua_pushnil(L: number): void
  lua_type(L: number, index: number): number
  lua_tolstring(L: number, index: number, size: number): number
  lua_tonumberx(L: number, index: number, isNumber: number): number
  /** Eight bytes of the heap for out-parameters (the length lua_tolstring reports). */
  scratch: number
  /** The module's memory, when its exports were caught (then realloc and free are wasm functions). */
  memory?: WebAssembly.Memory
}

export interface LuaModule {
  lua: LuaWasm
  raw: RawLua
  /** lua-allocator.ts's module, compiled alongside; undefined when that failed (its JS fallbacks are used). */
  tableFunctions?: WebAssembly.Module
}

const RAW_NAMES = ['realloc', 'free', 'malloc', 'lua_gettop', 'lua_settop', 'lua_rawgeti', 'lua_sethook', 'lua_pcallk',
  'lua_pushlstring', 'lua_pushnil', 'lua_type', 'lua_tolstring', 'lua_tonumberx'] as const

/**
 * The module's memory at start, in 64 KiB pages: 2 MiB, of which its stack and static data take
 * about 1 (wasm-initial-memory.ts). Lua's heap grows it from there.
 */
const INITIAL_PAGES = 32

let loading: Promise<LuaModule> | undefined
const raws = new WeakMap<LuaWasm, RawLua>()
/** The compiled wasm of this thread's module, once loaded; or one adopted from another thread before loading. */
let compiled: WebAssembly.Module | undefined

/**
 * The compiled wasm module, to hand to a worker thread (adoptCompiledModule there): instances of
 * one module share its compiled code, so a worker neither compiles the module again nor warms
 * up its own copy of the interpreter's code (JavaScriptCore tiers up the code, not an instance).
 * Undefined when the module could not be loaded; loads it if needed.
 */
export async function compiledLuaModule(): Promise<WebAssembly.Module | undefined> {
  await luaModule().catch(() => undefined)
  return compiled
}

/** Use a module compiled on another thread; only before this thread loads its own. */
export function adoptCompiledModule(module: WebAssembly.Module): void {
  if (!loading) compiled = module
}

/** The raw functions of a loaded module. */
export function rawOf(lua: LuaWasm): RawLua {
  const raw = raws.get(lua)
  if (!raw) throw new Error('the Lua module was not loaded by luaModule()')
  return raw
}

/**
 * The shared module; every Lua engine of the process lives in its one wasm memory. wasmoon is
 * imported here, on first use, so commands that evaluate no Lua do not pay for loading it.
 */
export function luaModule(): Promise<LuaModule> {
  loading ??= load().catch((e: unknown) => {
    loading = undefined
    throw e
  })
  return loading
}

/** Forget the module after it failed (a wasm trap can leave it unusable); the next call reloads it. */
export function discardLuaModule(): void {
  loading = undefined
}

/**
 * The module compiled from the file embedded in the binary, or undefined when that failed (the
 * glue then compiles it, and reports why).
 */
async function compileOffThread(): Promise<WebAssembly.Module | undefined> {
  try {
    const wasm = await Bun.file(wasmPath).bytes()
    lowerInitialMemory(wasm, INITIAL_PAGES)
    return await WebAssembly.compile(wasm)
  } catch {
    return undefined
  }
}

/** Where the wasm file is read from; exposed so the build can be checked for /$bunfs/. */
export function luaWasmPath(): string {
  return wasmPath
}

async function load(): Promise<LuaModule> {
  // JavaScriptCore compiles the wasm on a thread of its own: started first, it overlaps the
  // loading of wasmoon and the set-up its glue does before it instantiates (together about as long).
  const compiling = compiled ? undefined : compileOffThread()
  const tableFunctions = compileTableFunctions().catch(() => undefined)
  const { LuaFactory } = await import('wasmoon')
  const instantiate = WebAssembly.instantiate
  let exports: Record<string, unknown> | undefined
  // Only for the moment the glue instantiates: anything else that instantiates meanwhile passes through.
  WebAssembly.instantiate = async function (this: unknown, ...args: unknown[]) {
    compiled ??= await compiling
    // The glue instantiates from the file's bytes; the module compiled beforehand (or adopted) is instantiated instead, as the same result.
    const adopted = compiled !== undefined && !(args[0] instanceof WebAssembly.Module) ? compiled : undefined
    const result = adopted
      ? { instance: await instantiate(adopted, args[1] as Parameters<typeof WebAssembly.instantiate>[1]), module: adopted }
      : ((await (instantiate as (...a: unknown[]) => Promise<unknown>).apply(this, args)) as WebAssembly.WebAssemblyInstantiatedSource | WebAssembly.Instance)
    const instance = result instanceof WebAssembly.Instance ? result : result.instance
    if (typeof instance.exports.lua_newstate === 'function') {
      exports ??= instance.exports
      if (!(result instanceof WebAssembly.Instance)) compiled ??= result.module
    }
    return result
  } as typeof WebAssembly.instantiate
  let lua: LuaWasm
  try {
    lua = await new LuaFactory(wasmPath).getLuaModule()
  } finally {
    WebAssembly.instantiate = instantiate
  }
  const wrapped = lua.module as unknown as Record<string, unknown>
  const raw: Record<string, unknown> = {}
  for (const name of RAW_NAMES) {
    raw[name] = typeof exports?.[name] === 'function' ? exports[name] : wrapped[`_${name}`]
    if (typeof raw[name] !== 'function') throw new Error(`the Lua module has no ${name}`)
  }
  if (exports?.memory instanceof WebAssembly.Memory) raw.memory = exports.memory
  raw.scratch = (raw as unknown as RawLua).malloc(8)
  raws.set(lua, raw as unknown as RawLua)
  return { lua, raw: raw as unknown as RawLua, tableFunctions: await tableFunctions }
}
