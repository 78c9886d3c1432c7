/** The Lua C API numbers zoi keeps to avoid loading wasmoon at start-up equal wasmoon's own. */
import { expect, test } from 'bun:test'
import * as wasmoon from 'wasmoon'
import { LUA_REGISTRYINDEX, LuaEventMasks, LuaReturn, LuaType } from '../../../src/lua/lua-constants.ts'

test('lua-constants match wasmoon', () => {
  expect(LUA_REGISTRYINDEX).toBe(wasmoon.LUA_REGISTRYINDEX)
  expect(LuaEventMasks.Count).toBe(wasmoon.LuaEventMasks.Count)
  for (const [name, value] of Object.entries(LuaReturn)) expect(value).toBe(wasmoon.LuaReturn[name as keyof typeof wasmoon.LuaReturn])
  for (const [name, value] of Object.entries(LuaType)) expect(value).toBe(wasmoon.LuaType[name as keyof typeof wasmoon.LuaType])
})
