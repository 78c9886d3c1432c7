/**
 * Lowers the memory a wasm module asks for at instantiation. wasmoon's module asks for 16 MiB
 * (Emscripten's default) and grows its memory when Lua needs more. JavaScriptCore counts a new
 * memory's whole size as allocated, which made every command that evaluates Lua run a garbage
 * collection of its JS heap; started small, the memory costs what Lua uses.
 *
 * Only the initial size in the memory section changes, never below what the module's static data
 * and stack (the i32 constants of its globals and data segments) need; the LEB128 number keeps
 * its byte length, so no offset in the file moves. Anything not as expected leaves the bytes as
 * they are.
 */

const PAGE = 65536
const SECTION_GLOBAL = 6
const SECTION_MEMORY = 5
const SECTION_DATA = 11
const I32_CONST = 0x41
const I64_CONST = 0x42
const F32_CONST = 0x43
const F64_CONST = 0x44
const GLOBAL_GET = 0x23
const END = 0x0b

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
  ) {}

  u32(): number {
    let value = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.byte()
      value += (byte & 0x7f) * 2 ** shift
      if (!(byte & 0x80)) return value
    }
    throw new RangeError('LEB128 number too long')
  }

  /** A signed LEB128 number (i32 or i64); its value as an i32 (addresses here are positive and small). */
  signed(): number {
    let value = 0
    let byte = 0
    for (let shift = 0; shift < 70; shift += 7) {
      byte = this.byte()
      if (shift < 32) value |= (byte & 0x7f) << shift
      if (!(byte & 0x80)) return shift < 25 && byte & 0x40 ? value | (-1 << (shift + 7)) : value
    }
    throw new RangeError('LEB128 number too long')
  }

  byte(): number {
    if (this.at >= this.bytes.length) throw new RangeError('truncated wasm')
    return this.bytes[this.at++]!
  }
}

/** Where the module's memory section keeps its initial page count, and the count. */
interface MemoryLimit {
  at: number
  length: number
  pages: number
}

/**
 * Sets the module's initial memory to `pages` (64 KiB each), or to what its static data and stack
 * need when that is more; in place. Returns whether the bytes changed.
 */
export function lowerInitialMemory(wasm: Uint8Array, pages: number): boolean {
  let limit: MemoryLimit | undefined
  let needed = 0
  try {
    const r = new Reader(wasm, 8)
    while (r.at < wasm.length) {
      const id = r.byte()
      const size = r.u32()
      const end = r.at + size
      if (id === SECTION_MEMORY) {
        if (r.u32() !== 1) return false
        const flags = r.byte()
        if (flags & ~1) return false // shared or 64-bit memory: left alone
        const at = r.at
        const initial = r.u32()
        limit = { at, length: r.at - at, pages: initial }
      } else if (id === SECTION_GLOBAL) {
        for (let n = r.u32(); n > 0; n--) {
          r.at += 2 // value type, mutability
          needed = Math.max(needed, constant(r))
        }
      } else if (id === SECTION_DATA) {
        for (let n = r.u32(); n > 0; n--) {
          const flags = r.u32()
          if (flags === 1) return false // passive segments: not needed by this module, not handled
          if (flags === 2) r.u32() // memory index
          const offset = constant(r)
          const length = r.u32()
          needed = Math.max(needed, offset + length)
          r.at += length
        }
      }
      r.at = end
    }
  } catch {
    return false
  }
  if (!limit) return false
  const target = Math.max(pages, Math.ceil(needed / PAGE))
  if (target >= limit.pages) return false
  // The same number of bytes: continuation bits on all but the last (a valid, padded LEB128).
  for (let i = 0; i < limit.length; i++) {
    const bits = Math.floor(target / 2 ** (7 * i)) & 0x7f
    wasm[limit.at + i] = i < limit.length - 1 ? bits | 0x80 : bits
  }
  return true
}

/** A constant expression: the value of `i32.const n`; 0 for the other simple ones, which place nothing in memory. */
function constant(r: Reader): number {
  const op = r.byte()
  let value = 0
  if (op === I32_CONST) value = r.signed()
  else if (op === I64_CONST) r.signed()
  else if (op === F32_CONST) r.at += 4
  else if (op === F64_CONST) r.at += 8
  else if (op === GLOBAL_GET) r.u32()
  else throw new RangeError(`constant expression with opcode ${op}`)
  if (r.byte() !== END) throw new RangeError('constant expression of more than one instruction')
  return value
}
