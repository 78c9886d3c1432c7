/** Results and errors to text or JSON. The only place that decides how output looks. */
import { ZoiError, errnoCode } from '../errors.ts'
import type { Output, RowStream } from './command-spec.ts'
import type { FileText } from '../registry/summary-pages.ts'

export interface Sink {
  stdout(text: string): void
  stderr(text: string): void
  /** Ready-made UTF-8 text for stdout (list --all's stored pages); without it, stdout gets it decoded. */
  stdoutBytes?(bytes: Uint8Array): void
}

export const processSink: Sink = {
  stdout: (t) => (t.endsWith('\n') ? console.log(t.slice(0, -1)) : writeFd(1, t)),
  stderr: (t) => writeFd(2, t),
  stdoutBytes: (b) => writeFd(1, b),
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
function writeFd(fd: 1 | 2, text: string | Uint8Array): void {
  if (closed.has(fd)) return
  const bytes = typeof text === 'string' ? Buffer.from(text) : text
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
  if (!json && rows.text) return renderText(rows.text, rows.empty, sink)
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

/**
 * Ready-made text (whole lines): large pieces are written as they come, small ones gathered to
 * about FLUSH_AT bytes, and a file is copied through one reused buffer. Every write goes to the
 * descriptor (never through console.log), so nothing is reordered between two writers.
 */
function renderText(chunks: Iterable<string | Uint8Array | FileText>, empty: string, sink: Sink): void {
  // The bytes handed to `write` are valid only during the call (a file's buffer is reused).
  // A sink without stdoutBytes gets text; a character split between two pieces stays whole.
  const decoder = new TextDecoder()
  const write = sink.stdoutBytes?.bind(sink) ?? ((b: Uint8Array) => sink.stdout(decoder.decode(b, { stream: true })))
  let pending: Uint8Array[] = []
  let size = 0
  let any = false
  const flush = () => {
    if (size > 0) write(pending.length === 1 ? pending[0]! : Buffer.concat(pending, size))
    pending = []
    size = 0
  }
  for (const chunk of chunks) {
    if (typeof chunk === 'object' && 'fd' in chunk) {
      flush()
      any = copyFile(chunk, write) || any
      continue
    }
    if (chunk.length === 0) continue
    any = true
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    if (size === 0 && bytes.byteLength >= FLUSH_AT / 16) {
      write(bytes)
      continue
    }
    pending.push(bytes)
    size += bytes.byteLength
    if (size >= FLUSH_AT) flush()
  }
  flush()
  if (!any) sink.stdout(`${empty}\n`)
}

/** A file's text from its offset on, through one buffer; whether it held any. */
function copyFile(file: FileText, write: (bytes: Uint8Array) => void): boolean {
  const buffer = Buffer.allocUnsafe(4 * FLUSH_AT)
  let position = file.offset
  try {
    for (let n: number; (n = fs().readSync(file.fd, buffer, 0, buffer.length, position)) > 0; position += n) write(buffer.subarray(0, n))
  } finally {
    fs().closeSync(file.fd)
  }
  return position > file.offset
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
