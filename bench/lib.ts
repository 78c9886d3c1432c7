/**
 * Benchmark helpers. This 2-core machine is shared and noisy, so every claim is a RATIO of a zoi
 * run against a reference run measured in the same process, interleaved round by round (a burst
 * of load hits both alike). Each row reports the per-round ratios' min/median/max and the peak
 * RSS of the zoi runs; `writeReport` prints the table and saves it as markdown in bench/out/.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

/** The binary under test: dist/zoi, or BENCH_ZOI (to bench a copy while dist/ is rebuilt). */
export const ZOI = process.env.BENCH_ZOI ?? resolve(import.meta.dir, '../dist/zoi')
export const OUT = resolve(import.meta.dir, 'out')

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export interface Run {
  /** argv, or a shell command line. */
  cmd: string[] | string
  env?: Record<string, string>
  cwd?: string
  /** Runs before each timed run, untimed (fresh roots, clean directories). */
  before?: () => void | Promise<void>
}

export interface Sample {
  ms: number
  /** user + system CPU time of the command and the processes it waited for. */
  cpuMs: number
  rssBytes: number
}

const RSS_FILE = join(tmpdir(), `zoi-bench-rss-${process.pid}`)

/**
 * One timed run; throws with stderr when the command fails. With `measureRss` the command runs
 * under GNU time, whose %M is the command's own peak RSS: the rusage Bun reports for a direct
 * child also counts the pre-exec copy of this (large) bench process.
 */
export async function runOnce(run: Run, measureRss = false, settle = false): Promise<Sample> {
  await run.before?.()
  if (settle) flushWrites()
  let cmd = typeof run.cmd === 'string' ? ['sh', '-c', run.cmd] : run.cmd
  if (measureRss) cmd = ['/usr/bin/time', '-f', '%M %U %S', '-o', RSS_FILE, ...cmd]
  const t0 = performance.now()
  const p = Bun.spawn(cmd, { cwd: run.cwd, stdout: 'ignore', stderr: 'pipe', env: { ...process.env, ...run.env } })
  const code = await p.exited
  const ms = performance.now() - t0
  if (code !== 0) throw new Error(`${cmd.join(' ')} exited ${code}: ${await new Response(p.stderr).text()}`)
  if (!measureRss) {
    const cpu = p.resourceUsage()?.cpuTime
    return { ms, cpuMs: cpu ? Number(cpu.user + cpu.system) / 1000 : 0, rssBytes: 0 }
  }
  const [kb, user, sys] = readFileSync(RSS_FILE, 'utf8').trim().split('\n').pop()!.split(' ').map(Number)
  rmSync(RSS_FILE, { force: true })
  return { ms, cpuMs: (user! + sys!) * 1000, rssBytes: kb! * 1024 }
}

/**
 * Writes what earlier runs and set-up left in the page cache (`sync`, untimed), so a timed run
 * does not pay for the disk writing back someone else's files. Every timed run of a row that is
 * not `quick` starts this way.
 */
export function flushWrites(): void {
  Bun.spawnSync(['sync'])
}

/**
 * A new folder path for each run (`next()`), and nothing deleted while the bench runs: run.ts
 * deletes its whole work folder at the end. This machine's root filesystem is ext4 without a
 * journal, and such an ext4 does not reuse an inode freed in the last 60 seconds (5 minutes
 * while its inode table block is still dirty): creating a file then reads inode table blocks past
 * every recently freed inode. With the previous round's root (14,000 files) deleted right before
 * each round, the next round's installs took 4-5× as long, whichever tool it was (`pacman -U` of
 * the 12 archives 2.4-3.3 s after a quiet disk, 12-15 s after such deletions; `perf`: 60 % of the
 * samples in ext4's `recently_deleted`).
 */
export class FreshDirs {
  #k = 0
  constructor(
    private readonly parent: string,
    private readonly prefix: string,
  ) {}

  next(): string {
    return join(this.parent, `${this.prefix}${this.#k++}`)
  }
}

export interface Row {
  what: string
  goal: string
  /** The goal as a number (ratio must be <= it); undefined when the row only informs. */
  limit?: number
  zoiMs: number[]
  refMs: number[]
  zoiCpuMs: number[]
  refCpuMs: number[]
  rssBytes: number[]
  note?: string
}

/**
 * `rounds` rounds of (zoi, reference), after `warmup` untimed rounds; ratios per round. Both
 * sides run under GNU time (same overhead for both) to get zoi's peak RSS; `quick` commands
 * (start-up, queries) run bare, where that overhead would skew the ratio, and their RSS comes
 * from one extra run.
 */
/**
 * How a round is run: `setup` before the round's two runs (untimed; for work both runs see,
 * such as a new commit both fetch), and `alternate` to run the reference first in every other
 * round, for rows where the first run after `setup` pays for what `setup` left behind.
 */
export interface Rounds {
  setup?: () => Promise<void>
  alternate?: boolean
}

export async function compare(what: string, goal: string, limit: number | undefined, zoi: Run, ref: Run, rounds: number, warmup = 1, quick = false, each: Rounds = {}): Promise<Row> {
  for (let i = 0; i < warmup; i++) {
    await each.setup?.()
    await runOnce(zoi)
    await runOnce(ref)
  }
  const row: Row = { what, goal, limit, zoiMs: [], refMs: [], zoiCpuMs: [], refCpuMs: [], rssBytes: [] }
  for (let i = 0; i < rounds; i++) {
    await each.setup?.()
    const refFirst = each.alternate === true && i % 2 === 1
    const r0 = refFirst ? await runOnce(ref, !quick, !quick) : undefined
    const z = await runOnce(zoi, !quick, !quick)
    const r = r0 ?? (await runOnce(ref, !quick, !quick))
    row.zoiMs.push(z.ms)
    row.refMs.push(r.ms)
    row.zoiCpuMs.push(z.cpuMs)
    row.refCpuMs.push(r.cpuMs)
    if (!quick) row.rssBytes.push(z.rssBytes)
  }
  if (quick) row.rssBytes.push((await runOnce(zoi, true)).rssBytes)
  return row
}

export function ratios(row: Row): number[] {
  return row.zoiMs.map((z, i) => z / row.refMs[i]!)
}

const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`)
const fmtMb = (b: number) => `${(b / 1048576).toFixed(0)} MB`

export function markdown(rows: Row[]): string {
  const lines = [
    '| what | zoi (median) | reference (median) | wall ratio min / median / max | goal | met | CPU ratio (median) | zoi peak RSS |',
    '|---|---|---|---|---|---|---|---|',
  ]
  for (const r of rows) {
    const q = ratios(r)
    const med = median(q)
    const met = r.limit === undefined ? '' : med <= r.limit ? 'yes' : 'no'
    lines.push(
      `| ${(r.what + (r.note ? ` (${r.note})` : '')).replaceAll('|', '\\|')} | ${fmtMs(median(r.zoiMs))} | ${fmtMs(median(r.refMs))} | ` +
        `${Math.min(...q).toFixed(2)}× / **${med.toFixed(2)}×** / ${Math.max(...q).toFixed(2)}× | ${r.goal} | ${met} | ${median(r.zoiCpuMs.map((z, i) => z / (r.refCpuMs[i] || 1))).toFixed(2)}× | ${fmtMb(Math.max(...r.rssBytes))} |`,
    )
  }
  return lines.join('\n') + '\n'
}

/** Prints the table and writes bench/out/results.md (and results.json with every sample). */
export function writeReport(rows: Row[], header: string): void {
  const table = markdown(rows)
  console.log(`\n${header}\n\n${table}`)
  mkdirSync(OUT, { recursive: true })
  writeFileSync(resolve(OUT, 'results.md'), `${header}\n\n${table}`)
  writeFileSync(resolve(OUT, 'results.json'), JSON.stringify(rows, null, 2))
}

/** Keeps a long bench run readable: one line per step on stderr. */
export function step(text: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`)
}
