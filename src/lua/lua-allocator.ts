/**
 * The three C functions of the module's function table that Lua calls: its allocator (lua_Alloc),
 * with a memory ceiling per engine, the count hook of the budget and the trampoline behind host
 * functions (both in JS, lua-callbacks.ts).
 *
 * The allocator runs about 400 times per definition evaluated, so it is written in WebAssembly
 * and calls the module's realloc/free directly: the same function in JS cost a round trip out of
 * wasm and back for each. Its userdata points at the engine's two counters in the wasm heap
 * (i64 bytes in use, i64 ceiling); a refused allocation returns NULL, which Lua reports as a
 * memory error. The same small module imports the two JS functions and exports them as wasm
 * functions, which is what the table needs: Emscripten's addFunction would compile a module for
 * each JS function, synchronously, on the main thread. This module is compiled off the main
 * thread with the Lua module (lua-module.ts).
 *
 * The wasm code, as text (assembled with wabt's wat2wasm; the unit tests of the sandbox's limits
 * exercise it):
 *
 *   (module
 *     (import "e" "realloc" (func $realloc (param i32 i32) (result i32)))
 *     (import "e" "free" (func $free (param i32)))
 *     (import "e" "memory" (memory 0))
 *     (import "e" "hook" (func $hook (param i32 i32)))
 *     (import "e" "host" (func $host (param i32) (result i32)))
 *     (export "hook" (func $hook))
 *     (export "host" (func $host))
 *     (func (export "alloc") (param $ud i32) (param $ptr i32) (param $osize i32) (param $nsize i32) (result i32)
 *       (local $delta i64) (local $p i32)
 *       (if (i32.eqz (local.get $nsize)) (then      ;; free; for ptr == NULL osize is a type tag
 *         (if (local.get $ptr) (then
 *           (i64.store (local.get $ud) (i64.sub (i64.load (local.get $ud)) (i64.extend_i32_u (local.get $osize))))
 *           (call $free (local.get $ptr))))
 *         (return (i32.const 0))))
 *       (local.set $delta (select (i64.sub (i64.extend_i32_u (local.get $nsize)) (i64.extend_i32_u (local.get $osize)))
 *                                 (i64.extend_i32_u (local.get $nsize)) (local.get $ptr)))
 *       (if (i64.gt_s (local.get $delta) (i64.const 0)) (then
 *         (if (i64.gt_s (i64.add (i64.load (local.get $ud)) (local.get $delta)) (i64.load offset=8 (local.get $ud)))
 *           (then (return (i32.const 0))))))
 *       (if (local.tee $p (call $realloc (local.get $ptr) (local.get $nsize))) (then
 *         (i64.store (local.get $ud) (i64.add (i64.load (local.get $ud)) (local.get $delta)))))
 *       (local.get $p)))
 */
import type { LuaModule } from './lua-module.ts'

const TABLE_FUNCTIONS_WASM = new Uint8Array([0,97,115,109,1,0,0,0,1,29,5,96,2,127,127,1,127,96,1,127,0,96,2,127,127,0,96,1,127,1,127,96,4,127,127,127,127,1,127,2,52,5,1,101,7,114,101,97,108,108,111,99,0,0,1,101,4,102,114,101,101,0,1,1,101,6,109,101,109,111,114,121,2,0,0,1,101,4,104,111,111,107,0,2,1,101,4,104,111,115,116,0,3,3,2,1,4,7,23,3,4,104,111,111,107,0,2,4,104,111,115,116,0,3,5,97,108,108,111,99,0,4,10,109,1,107,2,1,126,1,127,32,3,69,4,64,32,1,4,64,32,0,32,0,41,3,0,32,2,173,125,55,3,0,32,1,16,1,11,65,0,15,11,32,3,173,32,2,173,125,32,3,173,32,1,27,33,4,32,4,66,0,85,4,64,32,0,41,3,0,32,4,124,32,0,41,3,8,85,4,64,65,0,15,11,11,32,1,32,3,16,0,34,5,4,64,32,0,32,0,41,3,0,32,4,124,55,3,0,11,32,5,11])

/** The ceiling that means none. */
export const NO_CEILING = 0x7fffffffffffffffn

/** The compiled module of the three functions (started by lua-module.ts as it loads the Lua module). */
export function compileTableFunctions(): Promise<WebAssembly.Module> {
  return WebAssembly.compile(TABLE_FUNCTIONS_WASM)
}

export interface TableFunctions {
  allocator: number
  hook: number
  host: number
}

/** The three functions' indexes in the module's function table. */
export function addTableFunctions(
  { lua, tableFunctions }: LuaModule,
  hook: (state: number, debug: number) => void,
  host: (state: number) => number,
): TableFunctions {
  const { realloc, free, memory } = lua.exports
  const { exports } = new WebAssembly.Instance(tableFunctions, { e: { realloc, free, memory, hook, host } })
  return {
    allocator: lua.addFunction(exports.alloc as (...args: never[]) => unknown),
    hook: lua.addFunction(exports.hook as (...args: never[]) => unknown),
    host: lua.addFunction(exports.host as (...args: never[]) => unknown),
  }
}
