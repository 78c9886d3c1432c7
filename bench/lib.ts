/**
 * Benchmark helpers. Numbers are wall-clock medians on a noisy 2-core machine, so every
 * claim is a RATIO against a reference measured in the same run, never an absolute time.
 */
import { resolve } from 'node:path'

export const ZOI = resolve(import.meta.dir, '../dist/zoi')

export interface Row {
  name: string
  value: string
  note?: string
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Runs a command `runs` times (after one warm-up) and returns the median wall time in ms. */
export async function timeCommand(cmd: string[], runs: number, env: Record<string, string> = {}): Promise<number> {
  const times: number[] = []
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now()
    const p = Bun.spawn(cmd, { stdout: 'ignore', stderr: 'pipe', env: { ...process.env, ...env } })
    const code = await p.exited
    const dt = performance.now() - t0
    if (code !== 0) throw new Error(`${cmd.join(' ')} exited ${code}: ${await new Response(p.stderr).text()}`)
    if (i > 0) times.push(dt)
  }
  return median(times)
}

export function printTable(title: string, rows: Row[]): void {
  const w = Math.max(...rows.map((r) => r.name.length), 10)
  console.log(`\n${title}`)
  console.log('-'.repeat(title.length))
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.value.padStart(12)}${r.note ? '  ' + r.note : ''}`)
}
