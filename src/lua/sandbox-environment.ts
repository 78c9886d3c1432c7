/**
 * Installs the hardened environment of sandbox.lua in an engine: runs it with to-json.lua's
 * encoder, safe-libraries.lua's base and libraries, and the three host functions through which
 * a definition run reaches its source, its target platform and INCLUDE().
 */
import { LuaType } from './lua-constants.ts'
import type { LuaEngine } from './lua-engine.ts'
import { check, loadChunk, pushOptional, pushText } from './lua-stack.ts'
import safeLibrariesLua from './safe-libraries.lua' with { type: 'text' }
import sandboxLua from './sandbox.lua' with { type: 'text' }
import toJsonLua from './to-json.lua' with { type: 'text' }

export interface SandboxContext {
  os: string
  arch: string
  distro?: string
  manager?: string
  version?: string
  userPath?: string
  systemPath?: string
}

export type IncludeAnswer = { source: string; chunkname: string } | { error: string }

export interface SandboxRun {
  source: string
  chunkname: string
  context: SandboxContext
  include(path: string): IncludeAnswer
}

/**
 * The three host functions, which answer for `current()` (the run in progress, if any), in the
 * order sandbox.lua takes them.
 */
export function sandboxHosts(engine: LuaEngine, current: () => SandboxRun | undefined): ((state: number) => number)[] {
  const { lua } = engine
  const hostSource = (state: number): number => {
    pushText(lua, state, current()?.source ?? '')
    pushText(lua, state, current()?.chunkname ?? '=#0')
    return 2
  }
  const hostContext = (state: number): number => {
    const c = current()?.context
    for (const value of [c?.os, c?.arch, c?.distro, c?.manager, c?.version, c?.userPath, c?.systemPath]) pushOptional(lua, state, value)
    return 7
  }
  const hostInclude = (state: number): number => {
    const path = lua.exports.lua_type(state, 1) === LuaType.String ? lua.readCString(lua.exports.lua_tolstring(state, 1, 0)) : ''
    const run = current()
    const answer = run ? run.include(path) : { error: 'INCLUDE() is not available here' }
    if ('error' in answer) {
      lua.exports.lua_pushnil(state)
      pushText(lua, state, answer.error)
    } else {
      pushText(lua, state, answer.source)
      pushText(lua, state, answer.chunkname)
    }
    return 2
  }
  return [hostSource, hostContext, hostInclude]
}

/**
 * Pushes sandbox.lua and its arguments onto the stack: sandbox.lua(encode, base, libraries,
 * host_source, host_context, host_include), ready for lua_pcallk(L, 6, results), the host
 * functions being `hosts` (sandboxHosts). Errors raised in its wrappers carry the chunkname
 * =sandbox, which locate_error rewrites. Call it inside engine.setup(), which cleans up when it
 * throws.
 */
export function pushSandboxCall(engine: LuaEngine, hosts: ((state: number) => number)[]): void {
  const { lua, L } = engine
  loadChunk(lua, L, sandboxLua, '=sandbox')
  loadChunk(lua, L, toJsonLua, '=to-json')
  check(lua, L, lua.exports.lua_pcallk(L, 0, 1, 0, 0, 0))
  loadChunk(lua, L, safeLibrariesLua, '=sandbox')
  check(lua, L, lua.exports.lua_pcallk(L, 0, 2, 0, 0, 0))
  for (const body of hosts) engine.pushHost(body)
}
