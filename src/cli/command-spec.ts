/**
 * How a command is declared: its cac usage line, flags, and a `run` that turns arguments into
 * an Output. Commands never print and never exit; program.ts renders what they return.
 */
import type { Context } from '../context.ts'
import type { FileText } from '../registry/summary-pages.ts'
import { ZoiError } from '../errors.ts'
import { didYouMean } from '../resolve/similar-names.ts'

export interface Output {
  /** Human-readable result for stdout (omit for none). */
  text?: string
  /** The same result for `--json`. */
  json?: unknown
  /** Non-zero for partial failures that are not exceptions. */
  exitCode?: number
  /**
   * A long result streamed instead of text/json (`list --all`): each row is printed as it is
   * read, as a line of text or an element of the JSON array, so memory does not grow with it.
   */
  rows?: RowStream<never>
}

export interface RowStream<T> {
  /** The rows, a page at a time: one iteration step per page, not per row. */
  pages: Iterable<readonly T[]>
  line(row: T): string
  /**
   * The same rows' printed text, ready-made in pieces of whole lines (pages an index keeps, or
   * the file of them, read from its descriptor): printed instead of `line` over `pages` when
   * there is no --json.
   */
  text?: Iterable<string | Uint8Array | FileText>
  /** Printed (as text) when there are no rows. */
  empty: string
}

/** An Output that streams `items` (typed here, stored untyped). */
export function streamRows<T>(rows: RowStream<T>): Output {
  return { rows: rows as unknown as RowStream<never> }
}

/** Flags every command takes: [cac raw name, description]. */
export const GLOBAL_OPTIONS: [string, string][] = [
  ['--offline', 'Never use the network; fail with exit 5 when something is missing'],
  ['--root <dir>', 'Operate on another filesystem root (system scope, every path re-based)'],
  ['--pkg-dir <dir>', 'Also look for archives in this folder (repeatable)'],
  ['-y, --yes', 'Answer yes to every question'],
  ['--json', 'Print results and errors as JSON on stdout'],
  ['-v, --verbose', 'More output; stack traces on errors'],
  ['-q, --quiet', 'No progress output'],
  ['--version', 'Print the version'],
]

export type Flags = Record<string, unknown>

export interface OptionSpec {
  /** cac raw name, e.g. '--dry-run' or '-o, --output-dir <dir>'. */
  flag: string
  description: string
  /** Repeatable: the value is always a string array. */
  repeatable?: boolean
}

export interface CommandSpec {
  /** cac usage, e.g. 'install <...sources>'. */
  usage: string
  description: string
  aliases?: string[]
  options?: OptionSpec[]
  examples?: string[]
  run(ctx: Context, args: string[], flags: Flags): Promise<Output>
}

export function flagString(flags: Flags, name: string): string | undefined {
  const v = flags[name]
  if (v === undefined || v === false) return undefined
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined
  if (v === true) throw new ZoiError('USAGE', `option '--${flagName(name)}' needs a value`)
  return String(v)
}

export function flagList(flags: Flags, name: string): string[] {
  const v = flags[name]
  if (v === undefined || v === false) return []
  return (Array.isArray(v) ? v : [v]).map(String)
}

export function flagBool(flags: Flags, name: string): boolean {
  return flags[name] === true
}

/** cac's camelCase option name back to its flag spelling: `outputDir` → `output-dir`. */
export function flagName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
}

/** Sub-command dispatch for commands like `sync set …` / `cache ls`. */
export function requireAction(command: string, action: string | undefined, known: readonly string[]): string {
  if (action === undefined) throw new ZoiError('USAGE', `'${command}' needs one of: ${known.join(', ')}`, { hint: `run 'zoi ${command} --help'` })
  if (!known.includes(action)) {
    const near = didYouMean(action, known)
    throw new ZoiError('USAGE', `unknown action '${command} ${action}'; expected one of: ${known.join(', ')}`, { hint: near ?? `run 'zoi ${command} --help'` })
  }
  return action
}

/** Exactly `count` positional arguments for an action ('some': one or more), or a usage error showing `usage`. */
export function needArgs(usage: string, rest: string[], count: number | 'some' = 1): string[] {
  if (count === 'some' ? rest.length === 0 : rest.length !== count) {
    throw new ZoiError('USAGE', `usage: zoi ${usage}`, { hint: `run 'zoi ${usage.split(' ')[0]} --help'` })
  }
  return rest
}
