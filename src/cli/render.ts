/** Results and errors to text or JSON. The only place that decides how output looks. */
import { ZoiError, errnoCode } from '../errors.ts'
import type { Output, RowStream } from './command-spec.ts'

export interface Sink {
  stdout(text: string): void
  stderr(text: string): void
}

export const processSink: Sink = {
  stdout: (t) => (t.endsWith('\n') ? console.log(t.slice(0, -1)) : writeFd(1, t)),
  stderr: (t) => writeFd(2, t),
}

const closed = new Set<number>()
const fs = (): typeof import('node:fs') => require('node:fs')

/**
 * Output never touches process.stdout/stderr: those load Node's stream machinery, several
 * milliseconds of start-up for one line. Whole lines go to stdout through console.log (what cac
 * prints help with: one writer for the descriptor, buffered, EPIPE from `zoi list --all | head`
 * ends it quietly); anything else is written straight to the descriptor, loading node:fs only
 * then. There a reader that went away (EPIPE) ends the output quietly and the rest is dropped;
 * a descriptor some parent left non-blocking (EAGAIN) hands the rest to process.stdout/stderr,
 * which waits.
 */
function writeFd(fd: 1 | 2, text: string): void {
  if (closed.has(fd)) return
  const bytes = Buffer.from(text)
  let done = 0
  try {
    while (done < bytes.length) done += fs().writeSync(fd, bytes, done)
  } catch (e) {
    if (errnoCode(e) === 'EPIPE') closed.add(fd)
    else if (errnoCode(e) === 'EAGAIN') (fd === 1 ? process.stdout : process.stderr).write(bytes.subarray(done))
    else throw e
  }
}

export function renderOutput(out: Output, json: boolean, sink: Sink): void {
  if (out.rows) return renderRows(out.rows, json, sink)
  if (json) {
    sink.stdout(JSON.stringify(out.json ?? null, null, 2) + '\n')
    return
  }
  if (out.text) sink.stdout(out.text.endsWith('\n') ? out.text : out.text + '\n')
}

/** Output flushed in pieces of about this many characters: few writes, bounded memory. */
const FLUSH_AT = 64 * 1024

/**
 * Streams rows as lines, or as the elements of the same pretty-printed array JSON.stringify
 * makes. Every piece handed to the sink ends a line (one element is held back until the next
 * tells whether it needs its comma).
 */
function renderRows(rows: RowStream<never>, json: boolean, sink: Sink): void {
  let buffer = json ? '[\n' : ''
  let held: string | undefined
  let count = 0
  for (const page of rows.pages) {
    for (const row of page) {
      if (json) {
        if (held !== undefined) buffer += `${held},\n`
        held = `  ${JSON.stringify(row, null, 2).replaceAll('\n', '\n  ')}`
      } else buffer += `${rows.line(row)}\n`
      count++
      if (buffer.length >= FLUSH_AT) {
        sink.stdout(buffer)
        buffer = ''
      }
    }
  }
  if (json) buffer = count ? `${buffer}${held}\n]\n` : '[]\n'
  else if (count === 0) buffer = `${rows.empty}\n`
  sink.stdout(buffer)
}

/** Prints `error: …` / `hint: …` (or a JSON error object) and returns the exit code. */
export function renderError(e: unknown, opts: { json: boolean; verbose: boolean }, sink: Sink): number {
  const known = e instanceof ZoiError
  const code = known ? e.code : 'INTERNAL'
  const exit = known ? e.exitCode : 1
  const message = e instanceof Error ? e.message : String(e)
  const hint = known ? e.hint : 'this is a bug in zoi; run again with -v for details and report it'
  if (opts.json) {
    sink.stdout(JSON.stringify({ error: { code, exit, message, ...(hint ? { hint } : {}) } }, null, 2) + '\n')
  } else {
    const lines = message.split('\n')
    sink.stderr(`error: ${lines[0]}\n${lines.slice(1).map((l) => `  ${l}\n`).join('')}`)
    if (hint) sink.stderr(`hint: ${hint}\n`)
  }
  if (opts.verbose && e instanceof Error && e.stack) sink.stderr(e.stack + '\n')
  return exit
}
