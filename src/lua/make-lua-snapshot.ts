/**
 * Makes the Lua snapshot (lua-snapshot.ts) that build.ts embeds in the binary: loads the module
 * and sets up one sandbox, exactly as a process of the binary would, then captures the memory.
 * Only in a process that has not used Lua yet, and run from the sources (no snapshot restored).
 */
import { moduleCallbacks } from './lua-callbacks.ts'
import { luaModule } from './lua-module.ts'
import { openSandbox } from './lua-sandbox.ts'
import { takeSnapshot } from './lua-snapshot.ts'

export async function makeLuaSnapshot(): Promise<Uint8Array> {
  const module = await luaModule()
  // Limits apply to runs, not to the set-up, and nothing runs before the capture.
  const sandbox = await openSandbox({ instructionBudget: 1, timeLimitMs: 1, memoryLimitBytes: 1 })
  if (sandbox.state.engine.slot !== 0) throw new Error('the Lua snapshot must be made in a process that has not used Lua')
  return takeSnapshot(module.lua, module.wasm, moduleCallbacks(module).table, sandbox.state)
}
