import { describe, expect, test } from 'bun:test'
import { streamRows } from '../../../src/cli/command-spec.ts'
import { renderOutput, type Sink } from '../../../src/cli/render.ts'

function capture(): Sink & { chunks: string[]; out: () => string } {
  const chunks: string[] = []
  return { chunks, stdout: (t) => void chunks.push(t), stderr: () => {}, out: () => chunks.join('') }
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `p${i}`, version: `1.${i}`, description: `package number ${i} with "quotes"\nand a newline` }))
const line = (r: { name: string; version: string }) => `${r.name} ${r.version}`

describe('streamed rows (list --all)', () => {
  test('JSON: byte for byte what JSON.stringify(array, null, 2) prints, for 0, 1 and many rows', () => {
    for (const n of [0, 1, 3, 5000]) {
      const sink = capture()
      renderOutput(streamRows({ items: rows(n), line, empty: 'none' }), true, sink)
      expect(sink.out()).toBe(JSON.stringify(rows(n), null, 2) + '\n')
    }
  })

  test('text: one line per row, or the empty message', () => {
    const sink = capture()
    renderOutput(streamRows({ items: rows(3), line, empty: 'none' }), false, sink)
    expect(sink.out()).toBe('p0 1.0\np1 1.1\np2 1.2\n')
    const empty = capture()
    renderOutput(streamRows({ items: [], line, empty: 'No packages.' }), false, empty)
    expect(empty.out()).toBe('No packages.\n')
  })

  test('a long result reaches the sink in several pieces, each ending a line (memory does not grow with it)', () => {
    for (const json of [false, true]) {
      const sink = capture()
      renderOutput(streamRows({ items: rows(20000), line, empty: 'none' }), json, sink)
      expect(sink.chunks.length).toBeGreaterThan(3)
      for (const c of sink.chunks) expect(c.endsWith('\n')).toBe(true)
    }
  })

  test('rows are read as they are printed, not collected first', () => {
    const sink = capture()
    const seen: number[] = []
    function* items() {
      for (let i = 0; i < 20000; i++) {
        seen.push(sink.chunks.length)
        yield rows(1)[0]!
      }
    }
    renderOutput(streamRows({ items: items(), line, empty: 'none' }), false, sink)
    // The last rows were produced after earlier pieces had already gone out.
    expect(seen[seen.length - 1]).toBeGreaterThan(0)
  })
})
