/**
 * Loads the Lua 5.4 WebAssembly module (wasmoon's build of it) once per process, with zoi's own
 * host functions (lua-runtime.ts) instead of wasmoon's JS runtime. The wasm file is embedded
 * into the compiled zoi binary by the `type: 'file'` import, so no node_modules is needed at
 * run time; in the compiled binary the path starts with /$bunfs/.
 */
import wasmPath from 'wasmoon/dist/glue.wasm' with { type: 'file' }
import { compileTableFunctions } from './lua-allocator.ts'
import { moduleCallbacks } from './lua-callbacks.ts'
import { LuaInstance } from './lua-runtime.ts'
import type { SandboxState } from './lua-sandbox.ts'
import snapshotFile from './lua-snapshot-file.ts'
import { decodeSnapshot, restoreSnapshot, wasmHash, type Snapshot } from './lua-snapshot.ts'
import { lowerInitialMemory } from './wasm-initial-memory.ts'

export interface LuaModule {
  lua: LuaInstance
  /** lua-allocator.ts's module of the functions Lua calls back, compiled alongside. */
  tableFunctions: WebAssembly.Module
  /** The wasm's hash (lua-snapshot.ts). */
  wasm: string
  /** The sandbox a snapshot left in the memory, once (lua-snapshot.ts); the first openSandbox takes it. */
  takeRestored(): SandboxState | undefined
}

interface Compiled {
  module: WebAssembly.Module
  hash: string
}

/**
 * The module's memory at start, in 64 KiB pages: 2 MiB, of which its stack and static data take
 * about 1 (wasm-initial-memory.ts). Lua's heap grows it from there.
 */
const INITIAL_PAGES = 32

let loading: Promise<LuaModule> | undefined
/** The compiled wasm of this thread's module, once loaded; or one adopted from another thread before loading. */
let compiled: Compiled | undefined

/**
 * The compiled wasm module, to hand to a worker thread (adoptCompiledModule there): instances of
 * one module share its compiled code, so a worker neither compiles the module again nor warms
 * up its own copy of the interpreter's code (JavaScriptCore tiers up the code, not an instance).
 * Undefined when the module could not be loaded; loads it if needed.
 */
export async function compiledLuaModule(): Promise<Compiled | undefined> {
  await luaModule().catch(() => undefined)
  return compiled
}

/** Use a module compiled on another thread; only before this thread loads its own. */
export function adoptCompiledModule(module: Compiled): void {
  if (!loading) compiled = module
}

/**
 * The shared module; every Lua engine of the process lives in its one wasm memory. It is loaded
 * on first use, so commands that evaluate no Lua do not pay for it.
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

/** The module compiled from the file embedded in the binary, its memory lowered (INITIAL_PAGES). */
async function compileLua(): Promise<Compiled> {
  const wasm = await Bun.file(wasmPath).bytes()
  lowerInitialMemory(wasm, INITIAL_PAGES)
  return { module: await WebAssembly.compile(wasm), hash: wasmHash(wasm) }
}

/** The snapshot embedded in the binary, if any (none when run from the sources, or unreadable). */
async function readSnapshot(): Promise<Snapshot | undefined> {
  if (!snapshotFile) return undefined
  try {
    return decodeSnapshot(await Bun.file(snapshotFile).bytes())
  } catch {
    return undefined // the sandbox is then set up as usual
  }
}

/** Where the wasm file is read from; exposed so the build can be checked for /$bunfs/. */
export function luaWasmPath(): string {
  return wasmPath
}

async function load(): Promise<LuaModule> {
  // JavaScriptCore compiles both on a thread of its own.
  const tableFunctions = compileTableFunctions()
  const snapshot = readSnapshot()
  compiled ??= await compileLua()
  const lua = await LuaInstance.create(compiled.module)
  let restored: SandboxState | undefined
  const module: LuaModule = {
    lua,
    tableFunctions: await tableFunctions,
    wasm: compiled.hash,
    takeRestored() {
      const taken = restored
      restored = undefined
      return taken
    },
  }
  const found = await snapshot
  if (found && restoreSnapshot(lua, found, compiled.hash)) {
    const { table } = moduleCallbacks(module)
    const want = found.header.table
    if (table.allocator !== want.allocator || table.hook !== want.hook || table.host !== want.host) {
      throw new Error('the Lua snapshot does not match this module: its functions are elsewhere in the table')
    }
    restored = found.header.sandbox
  }
  return module
}
