/**
 * Small helpers for talking to the raw Lua C API of wasmoon's module: pushing text of any size,
 * loading a chunk, reading the value on top of the stack, checking a status.
 */
import type { LuaWasm } from 'wasmoon'
import { LuaReturn, LuaType } from './lua-constants.ts'
import { rawOf } from './lua-module.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Copies text into a fresh buffer of the wasm heap; the caller frees it. */
function toHeap(lua: LuaWasm, text: string): { buffer: number; size: number } {
  const room = text.length * 3 + 1 // UTF-8 needs at most 3 bytes per UTF-16 unit
  const buffer = rawOf(lua).malloc(room)
  // The heap view is read after malloc, which may have grown (and so replaced) the memory.
  const { written } = encoder.encodeInto(text, lua.module.HEAPU8.subarray(buffer, buffer + room))
  return { buffer, size: written }
}

/** Pushes a string of any size. wasmoon's lua_pushstring copies its argument onto the small C
 *  stack of the wasm module, so it is kept for constants: these strings can be any length. */
export function pushText(lua: LuaWasm, state: number, text: string): void {
  const raw = rawOf(lua)
  const { buffer, size } = toHeap(lua, text)
  try {
    raw.lua_pushlstring(state, buffer, size)
  } finally {
    raw.free(buffer)
  }
}

/** Pushes the text, or nil when there is none. */
export function pushOptional(lua: LuaWasm, state: number, value: string | undefined): void {
  if (value === undefined) rawOf(lua).lua_pushnil(state)
  else pushText(lua, state, value)
}

export function loadChunk(lua: LuaWasm, L: number, code: string, name: string): void {
  const { buffer, size } = toHeap(lua, code)
  try {
    check(lua, L, lua.luaL_loadbufferx(L, buffer, size, name, 't'))
  } finally {
    rawOf(lua).free(buffer)
  }
}

/** The value on top of the stack as text, without running any __tostring of the definition. */
export function readTop(lua: LuaWasm, L: number): string {
  const raw = rawOf(lua)
  const type = raw.lua_type(L, -1)
  if (type !== LuaType.String && type !== LuaType.Number) return `(error object is a ${lua.lua_typename(L, type)} value)`
  const text = raw.lua_tolstring(L, -1, raw.scratch)
  const size = lua.module.HEAPU32[raw.scratch >> 2]!
  return decoder.decode(lua.module.HEAPU8.subarray(text, text + size))
}

export function check(lua: LuaWasm, L: number, status: number): void {
  if (status !== LuaReturn.Ok) throw new Error(`Lua sandbox setup failed: ${readTop(lua, L)}`)
}
