/** Results and errors to text or JSON. The only place that decides how output looks. */
import { ZoiError } from '../errors.ts'
import type { Output } from './command-spec.ts'

export interface Sink {
  stdout(text: string): void
  stderr(text: string): void
}

export const processSink: Sink = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
}

export function renderOutput(out: Output, json: boolean, sink: Sink): void {
  if (json) {
    sink.stdout(JSON.stringify(out.json ?? null, null, 2) + '\n')
    return
  }
  if (out.text) sink.stdout(out.text.endsWith('\n') ? out.text : out.text + '\n')
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
