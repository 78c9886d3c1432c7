/**
 * Small helpers for talking to the Lua C API of the module (lua-runtime.ts): pushing text of any
 * size, loading a chunk, reading the value on top of the stack, checking a status.
 */
import { LuaReturn, LuaType } from './lua-constants.ts'
import type { LuaInstance } from './lua-runtime.ts'

const decoder = new TextDecoder()

/** Pushes a string of any size (it may hold NUL bytes). */
export function pushText(lua: LuaInstance, state: number, text: string): void {
  lua.withText(text, (pointer, size) => lua.exports.lua_pushlstring(state, pointer, size))
}

/** Pushes the text, or nil when there is none. */
export function pushOptional(lua: LuaInstance, state: number, value: string | undefined): void {
  if (value === undefined) lua.exports.lua_pushnil(state)
  else pushText(lua, state, value)
}

export function loadChunk(lua: LuaInstance, L: number, code: string, name: string): void {
  // Mode 't': text only, never a binary chunk.
  const status = lua.withText(code, (buffer, size) =>
    lua.withText(name, (chunkname) => lua.withText('t', (mode) => lua.exports.luaL_loadbufferx(L, buffer, size, chunkname, mode))),
  )
  check(lua, L, status)
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
