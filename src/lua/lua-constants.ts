/**
 * The few numbers of the Lua 5.4 C API that zoi passes to the module's functions (lua-runtime.ts).
 * A unit test checks that they equal the values wasmoon (whose build of Lua zoi runs) exports.
 */

/** LUA_REGISTRYINDEX = -LUAI_MAXSTACK - 1000 with LUAI_MAXSTACK = 1,000,000. */
export const LUA_REGISTRYINDEX = -1001000

export const LuaEventMasks = { Count: 1 << 3 } as const

export const LuaReturn = { Ok: 0, Yield: 1, ErrorRun: 2, ErrorSyntax: 3, ErrorMem: 4, ErrorErr: 5, ErrorFile: 6 } as const

export const LuaType = { None: -1, Nil: 0, Boolean: 1, LightUserdata: 2, Number: 3, String: 4, Table: 5, Function: 6, Userdata: 7, Thread: 8 } as const
