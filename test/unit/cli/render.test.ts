import { describe, expect, test } from 'bun:test'
import { streamRows } from '../../../src/cli/command-spec.ts'
import { renderOutput, type Sink } from '../../../src/cli/render.ts'

function capture(): Sink & { chunks: string[]; out: () => string } {
  const chunks: string[] = []
  return { chunks, stdout: (t) => void chunks.push(t), stderr: () => {}, out: () => chunks.join('') }
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `p${i}`, version: `1.${i}`, description: `package number ${i} with "quotes"\nand a newline` }))
const line = (r: { name: string; version: string }) => `${r.name} ${r.version}`
/** Rows in pages of 7 (the last one short), as the index hands them out. */
const pagesOf = <T>(all: T[]): T[][] => Array.from({ length: Math.ceil(all.length / 7) }, (_, i) => all.slice(i * 7, i * 7 + 7))

describe('streamed rows (list --all)', () => {
  test('JSON: byte for byte what JSON.stringify(array, null, 2) prints, for 0, 1 and many rows', () => {
    for (const n of [0, 1, 3, 7, 8, 5000]) {
      const sink = capture()
      renderOutput(streamRows({ pages: pagesOf(rows(n)), line, empty: 'none' }), true, sink)
      expect(sink.out()).toBe(JSON.stringify(rows(n), null, 2) + '\n')
    }
  })

  test('text: one line per row, or the empty message', () => {
    const sink = capture()
    renderOutput(streamRows({ pages: pagesOf(rows(3)), line, empty: 'none' }), false, sink)
    expect(sink.out()).toBe('p0 1.0\np1 1.1\np2 1.2\n')
    const empty = capture()
    renderOutput(streamRows({ pages: [], line, empty: 'No packages.' }), false, empty)
    expect(empty.out()).toBe('No packages.\n')
  })

  test('a long result reaches the sink in several pieces, each ending a line (memory does not grow with it)', () => {
    for (const json of [false, true]) {
      const sink = capture()
      renderOutput(streamRows({ pages: pagesOf(rows(20000)), line, empty: 'none' }), json, sink)
      expect(sink.chunks.length).toBeGreaterThan(3)
      for (const c of sink.chunks) expect(c.endsWith('\n')).toBe(true)
    }
  })

  test('rows are read as they are printed, not collected first', () => {
    const sink = capture()
    const seen: number[] = []
    function* pages() {
      for (let i = 0; i < 2000; i++) {
        seen.push(sink.chunks.length)
        yield rows(10)
      }
    }
    renderOutput(streamRows({ pages: pages(), line, empty: 'none' }), false, sink)
    // The last rows were produced after earlier pieces had already gone out.
    expect(seen[seen.length - 1]).toBeGreaterThan(0)
  })
})
