import { describe, expect, test } from 'bun:test'
import { applyDelta } from '../../../src/registry/git-pack.ts'

/** A git delta: base size, result size (varints), then ops. */
function delta(baseSize: number, resultSize: number, ...ops: number[][]): Uint8Array {
  const varint = (n: number): number[] => {
    const out: number[] = []
    do {
      let b = n & 0x7f
      n = Math.floor(n / 128)
      if (n > 0) b |= 0x80
      out.push(b)
    } while (n > 0)
    return out
  }
  return new Uint8Array([...varint(baseSize), ...varint(resultSize), ...ops.flat()])
}
/** Copy `len` (1..0xffffff; 0x10000 is written as no length bytes) bytes of the base at `off`. */
const copy = (off: number, len: number): number[] => {
  const offBytes = [off & 0xff, (off >> 8) & 0xff, (off >> 16) & 0xff, (off >>> 24) & 0xff]
  const lenBytes = len === 0x10000 ? [0, 0, 0] : [len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff]
  let op = 0x80
  const rest: number[] = []
  offBytes.forEach((b, i) => { if (b) { op |= 1 << i; rest.push(b) } })
  lenBytes.forEach((b, i) => { if (b) { op |= 16 << i; rest.push(b) } })
  return [op, ...rest]
}
const insert = (text: string): number[] => [text.length, ...new TextEncoder().encode(text)]
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe('applyDelta', () => {
  const base = new TextEncoder().encode('metadata({ name = "hello", version = "1.0.0" })\n')

  test('short and long copies and inserts rebuild the object', () => {
    const long = new Uint8Array(70_000).map((_, i) => 97 + (i % 26))
    const out = applyDelta(long, delta(long.length, 3 + 0x10000 + 100 + 5, insert('abc'), copy(0, 0x10000), copy(200, 100), insert('tail!')))
    expect(text(out.subarray(0, 3))).toBe('abc')
    expect(out.subarray(3, 3 + 0x10000)).toEqual(long.subarray(0, 0x10000))
    expect(out.subarray(3 + 0x10000, 3 + 0x10000 + 100)).toEqual(long.subarray(200, 300))
    expect(text(out.subarray(out.length - 5))).toBe('tail!')

    // The same definition at version 2.0.0: its first 38 bytes, '2.0.0', its last 5.
    const small = applyDelta(base, delta(base.length, 38 + 5 + 5, copy(0, 38), insert('2.0.0'), copy(base.length - 5, 5)))
    expect(text(small)).toBe('metadata({ name = "hello", version = "2.0.0" })\n')
  })

  test.each([
    ['a base of another size', () => delta(base.length + 1, 4, copy(0, 4)), 'base size mismatch'],
    ['a copy past the end of its base', () => delta(base.length, 10, copy(base.length - 2, 10)), 'past the end of its base'],
    ['an insert longer than what is left of the delta', () => new Uint8Array([...delta(base.length, 10), 10, 65, 66]), 'insert past its end'],
    ['a result longer than it declares (short copy)', () => delta(base.length, 4, copy(0, 8)), 'larger than it declares'],
    ['a result longer than it declares (long copy)', () => delta(base.length, 10, copy(0, base.length)), 'larger than it declares'],
    ['a result shorter than it declares', () => delta(base.length, 20, copy(0, 8)), 'result size mismatch'],
    ['opcode 0', () => new Uint8Array([...delta(base.length, 1), 0]), 'opcode 0'],
  ])('%s is refused', (_name, make, message) => {
    expect(() => applyDelta(base, make())).toThrow(message)
  })
})
