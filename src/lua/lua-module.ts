/**
 * Loads the Lua 5.4 WebAssembly module (wasmoon) once per process. The wasm file is embedded
 * into the compiled zoi binary by the `type: 'file'` import, so no node_modules is needed at
 * run time; in the compiled binary the path starts with /$bunfs/.
 */
import type { LuaFactory } from 'wasmoon'
import wasmPath from 'wasmoon/dist/glue.wasm' with { type: 'file' }

let factory: LuaFactory | undefined

/**
 * The shared factory; every Lua engine of the process lives in its one wasm memory. wasmoon is
 * imported here, on first use, so commands that evaluate no Lua do not pay for loading it.
 */
export async function luaFactory(): Promise<LuaFactory> {
  if (factory) return factory
  const { LuaFactory } = await import('wasmoon')
  factory ??= new LuaFactory(wasmPath)
  return factory
}

/** Forget the module after it failed (a wasm trap can leave it unusable); the next call reloads it. */
export function discardLuaFactory(): void {
  factory = undefined
}

/** Where the wasm file is read from; exposed so the build can be checked for /$bunfs/. */
export function luaWasmPath(): string {
  return wasmPath
}
