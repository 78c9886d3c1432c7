/**
 * Runs one archive operation in a FRESH process and prints its peak RSS growth as JSON.
 * Memory bounds measured inside `bun test` are polluted by every other test file in the same
 * process; a child process measures only the operation.
 *   bun bench/rss-probe.ts extract <archive> <dest>  |  bun rss-probe.ts write <out> <sourceDir>
 */
import { extractArchive, writeArchive } from '../src/archive/index.ts'

const [op, a, b] = process.argv.slice(2)
Bun.gc(true)
const start = process.memoryUsage().rss
let peak = start
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss)
}
const timer = setInterval(sample, 5)
let progressCalls = 0
const result =
  op === 'extract'
    ? await extractArchive(a!, b!, { onProgress: () => (progressCalls++, sample()) })
    : await writeArchive(a!, b!)
clearInterval(timer)
sample()
console.log(JSON.stringify({ growthMb: (peak - start) / 1e6, bytes: result.bytes, entries: result.entries.length, progressCalls }))
