/**
 * Small helpers for talking to the Lua C API of the module (lua-runtime.ts): pushing text of any
 * size, loading a chunk, reading the value on top of the stack, checking a status.
 */
import { LuaReturn, LuaType } from './lua-constants.ts'
import type { LuaInstance } from './lua-runtime.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Copies text into a fresh buffer of the wasm heap; the caller frees it. */
function toHeap(lua: LuaInstance, text: string): { buffer: number; size: number } {
  const room = text.length * 3 + 1 // UTF-8 needs at most 3 bytes per UTF-16 unit
  const buffer = lua.exports.malloc(room)
  if (!buffer) throw new Error('the Lua module is out of memory')
  // The heap view is read after malloc, which may have grown (and so replaced) the memory.
  const { written } = encoder.encodeInto(text, lua.u8.subarray(buffer, buffer + room))
  return { buffer, size: written }
}

/** Pushes a string of any size (it may hold NUL bytes). */
export function pushText(lua: LuaInstance, state: number, text: string): void {
  const { buffer, size } = toHeap(lua, text)
  try {
    lua.exports.lua_pushlstring(state, buffer, size)
  } finally {
    lua.exports.free(buffer)
  }
}

/** Pushes the text, or nil when there is none. */
export function pushOptional(lua: LuaInstance, state: number, value: string | undefined): void {
  if (value === undefined) lua.exports.lua_pushnil(state)
  else pushText(lua, state, value)
}

export function loadChunk(lua: LuaInstance, L: number, code: string, name: string): void {
  const { buffer, size } = toHeap(lua, code)
  try {
    // Mode 't': text only, never a binary chunk.
    const status = lua.withCString(name, (chunkname) => lua.withCString('t', (mode) => lua.exports.luaL_loadbufferx(L, buffer, size, chunkname, mode)))
    check(lua, L, status)
  } finally {
    lua.exports.free(buffer)
  }
}

/** The value on top of the stack as text, without running any __tostring of the definition. */
export function readTop(lua: LuaInstance, L: number): string {
  const { exports } = lua
  const type = exports.lua_type(L, -1)
  if (type !== LuaType.String && type !== LuaType.Number) return `(error object is a ${lua.readCString(exports.lua_typename(L, type))} value)`
  const text = exports.lua_tolstring(L, -1, lua.scratch)
  const size = lua.u32[lua.scratch >> 2]!
  return decoder.decode(lua.u8.subarray(text, text + size))
}

export function check(lua: LuaInstance, L: number, status: number): void {
  if (status !== LuaReturn.Ok) throw new Error(`Lua sandbox setup failed: ${readTop(lua, L)}`)
}
