/**
 * A snapshot of the Lua module's memory just after its first sandbox was set up: the Lua state
 * with its standard libraries, sandbox.lua, to-json.lua and safe-libraries.lua loaded and run.
 * Setting that up runs the Lua parser and the set-up code in wasm that has not warmed up yet:
 * 10–16 ms of the main thread in every command that evaluates a definition, often more than
 * the rest of a re-sync's indexing. Copying the snapshot into a fresh instance takes under 1 ms.
 *
 * The snapshot is made at build time (build.ts runs make-lua-snapshot.ts) by the same code,
 * from the same wasm, and embedded in the binary; when zoi runs from its sources there is none,
 * and every sandbox is set up as usual. A snapshot is used only in an instance of the very wasm
 * it was made from (a hash of it is in the header) whose function table has the length it had.
 * The sandbox it holds is taken by the first openSandbox of the module (lua-sandbox.ts).
 *
 * Made once, the state carries the build's string-hash seed (Lua seeds it from the clock in
 * lua_newstate, in whole seconds, so it was never secret); math.random is seeded afresh when the
 * sandbox is taken.
 *
 * Format: a first line `zoi-lua-snapshot 1`, a line of JSON (the Header), then the memory as
 * pages: a u32 count, that many u32 page numbers, then those pages of PAGE bytes; pages not
 * listed are zero.
 */
import type { SandboxState } from './lua-sandbox.ts'
import type { LuaInstance } from './lua-runtime.ts'

const MAGIC = 'zoi-lua-snapshot 1\n'
const PAGE = 4096

export interface SnapshotHeader {
  /** Bun.hash of the wasm (after lowerInitialMemory), hex. */
  wasm: string
  /** The memory's size in bytes. */
  memory: number
  stackPointer: number
  /** The function table's length before zoi added its three functions, and their indexes. */
  tableBase: number
  table: { allocator: number; hook: number; host: number }
  /** LuaInstance.scratch. */
  scratch: number
  sandbox: SandboxState
}

export interface Snapshot {
  header: SnapshotHeader
  /** Writes the captured memory into a fresh instance's (LuaInstance.resetMemory first). */
  writeInto(memory: Uint8Array): void
}

export function wasmHash(wasm: Uint8Array): string {
  return Bun.hash(wasm).toString(16)
}

export function encodeSnapshot(header: SnapshotHeader, memory: Uint8Array): Uint8Array {
  const pages: number[] = []
  for (let page = 0; page * PAGE < memory.length; page++) {
    const bytes = memory.subarray(page * PAGE, (page + 1) * PAGE)
    if (bytes.some((b) => b !== 0)) pages.push(page)
  }
  const head = new TextEncoder().encode(`${MAGIC}${JSON.stringify(header)}\n`)
  const out = new Uint8Array(head.length + 4 + pages.length * 4 + pages.length * PAGE)
  out.set(head)
  const view = new DataView(out.buffer)
  let at = head.length
  view.setUint32(at, pages.length, true)
  at += 4
  for (const page of pages) {
    view.setUint32(at, page, true)
    at += 4
  }
  for (const page of pages) {
    out.set(memory.subarray(page * PAGE, (page + 1) * PAGE), at)
    at += PAGE
  }
  return out
}

/** The snapshot in `bytes`; an error when they are not one. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const text = new TextDecoder()
  const magic = text.decode(bytes.subarray(0, MAGIC.length))
  const end = bytes.indexOf(10, MAGIC.length)
  if (magic !== MAGIC || end < 0) throw new Error('not a zoi Lua snapshot')
  const header = JSON.parse(text.decode(bytes.subarray(MAGIC.length, end))) as SnapshotHeader
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const count = view.getUint32(end + 1, true)
  const data = end + 5 + count * 4
  if (data + count * PAGE !== bytes.length) throw new Error('the Lua snapshot is cut short')
  return {
    header,
    writeInto(memory) {
      for (let i = 0; i < count; i++) {
        const page = view.getUint32(end + 5 + i * 4, true)
        memory.set(bytes.subarray(data + i * PAGE, data + (i + 1) * PAGE), page * PAGE)
      }
    },
  }
}

/**
 * Makes a fresh instance's memory the snapshot's, when the snapshot was made from this wasm
 * and the instance's table matches; returns whether it did. The caller adds the table
 * functions next and checks they land where header.table says (lua-module.ts).
 */
export function restoreSnapshot(lua: LuaInstance, snapshot: Snapshot, wasm: string): boolean {
  const { header } = snapshot
  if (header.wasm !== wasm || header.tableBase !== lua.tableBase) return false
  lua.resetMemory(header.memory, header.stackPointer)
  snapshot.writeInto(lua.u8)
  lua.scratch = header.scratch
  return true
}

/** The snapshot of a module that has just set up its first sandbox and run nothing else. */
export function takeSnapshot(lua: LuaInstance, wasm: string, table: SnapshotHeader['table'], sandbox: SandboxState): Uint8Array {
  const { memory, stackPointer } = lua.capture()
  const header: SnapshotHeader = { wasm, memory: memory.length, stackPointer, tableBase: lua.tableBase, table, scratch: lua.scratch, sandbox }
  return encodeSnapshot(header, memory)
}
