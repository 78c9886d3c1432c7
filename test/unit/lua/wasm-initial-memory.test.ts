// The Lua module starts with a small memory (lua-module.ts): the initial page count in the wasm
// is lowered, never below what its data segments and stack pointer need.
import { describe, expect, test } from 'bun:test'
import { resolve } from 'node:path'
import { lowerInitialMemory } from '../../../src/lua/wasm-initial-memory.ts'

const leb = (n: number): number[] => {
  const out: number[] = []
  do {
    const b = n & 0x7f
    n = Math.floor(n / 128)
    out.push(n ? b | 0x80 : b)
  } while (n)
  return out
}
const sleb = (n: number): number[] => {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b]
    out.push(b | 0x80)
  }
}
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body]

/** A module with one exported memory of `pages`, a mutable i32 global at `stackTop` and a 4-byte data segment at `dataAt`. */
function module({ pages, stackTop = 1024, dataAt = 16 }: { pages: number; stackTop?: number; dataAt?: number }): Uint8Array {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(5, [1, 0x00, ...leb(pages)]),
    ...section(6, [1, 0x7f, 0x01, 0x41, ...sleb(stackTop), 0x0b]),
    ...section(7, [1, 3, ...'mem'.split('').map((c) => c.charCodeAt(0)), 0x02, 0]),
    ...section(11, [1, 0, 0x41, ...sleb(dataAt), 0x0b, 4, 1, 2, 3, 4]),
  ])
}

const memoryBytes = (wasm: Uint8Array): number =>
  (new WebAssembly.Instance(new WebAssembly.Module(wasm)).exports.mem as WebAssembly.Memory).buffer.byteLength

describe('lowerInitialMemory', () => {
  test('lowers 256 pages to the pages asked for, the file keeping its length', () => {
    const wasm = module({ pages: 256 })
    const length = wasm.length
    expect(lowerInitialMemory(wasm, 32)).toBe(true)
    expect(wasm.length).toBe(length)
    expect(memoryBytes(wasm)).toBe(32 * 65536)
  })

  test('never below the stack pointer global or the end of a data segment', () => {
    const stack = module({ pages: 256, stackTop: 1083712 })
    expect(lowerInitialMemory(stack, 2)).toBe(true)
    expect(memoryBytes(stack)).toBe(17 * 65536) // 1083712 bytes need 17 pages
    const data = module({ pages: 256, dataAt: 3 * 65536 + 10 })
    expect(lowerInitialMemory(data, 2)).toBe(true)
    expect(memoryBytes(data)).toBe(4 * 65536)
  })

  test('leaves a module alone when it already starts smaller, has no memory, or is cut short', () => {
    const small = module({ pages: 8 })
    expect(lowerInitialMemory(small, 32)).toBe(false)
    expect(memoryBytes(small)).toBe(8 * 65536)
    const noMemory = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])
    expect(lowerInitialMemory(noMemory, 32)).toBe(false)
    const whole = module({ pages: 256 })
    const cut = whole.slice(0, whole.length - 6)
    const before = [...cut]
    expect(lowerInitialMemory(cut, 32)).toBe(false)
    expect([...cut]).toEqual(before)
  })

  test("zoi's Lua module starts with 2 MiB and grows as Lua allocates", () => {
    // A process of its own: in this one, other test files may have grown the shared module already.
    const lua = resolve(import.meta.dir, '../../../src/lua')
    const probe = `
      import { evaluateDefinition } from ${JSON.stringify(`${lua}/index.ts`)}
      import { luaModule } from ${JSON.stringify(`${lua}/lua-module.ts`)}
      const { lua } = await luaModule()
      const start = lua.exports.memory.buffer.byteLength
      const spec = await evaluateDefinition({
        source: 'local big = string.rep("x", 8 * 1024 * 1024) metadata({ name = "big", version = tostring(#big) })',
        file: 'core/big/big.pkg.lua', target: { os: 'linux', arch: 'amd64' },
      })
      console.log(JSON.stringify({ start, version: spec.version, grown: lua.exports.memory.buffer.byteLength }))`
    const run = Bun.spawnSync([process.execPath, '-e', probe])
    expect(run.stderr.toString()).toBe('')
    const out = JSON.parse(run.stdout.toString()) as { start: number; version: string; grown: number }
    expect(out.start).toBe(2 * 1024 * 1024)
    expect(out.version).toBe(String(8 * 1024 * 1024))
    expect(out.grown).toBeGreaterThan(8 * 1024 * 1024)
  })
})
