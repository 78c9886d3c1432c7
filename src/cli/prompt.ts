/**
 * Asking before changing a system, as pacman does: only on an interactive terminal, never with
 * -y, --json or --dry-run; the default answer is yes. Reading stdin is the CLI's business only.
 */
import { ZoiError } from '../errors.ts'

export interface PromptOptions {
  yes: boolean
  json: boolean
  write: (text: string) => void
}

export function promptOptions(yes: boolean, flags: Record<string, unknown>): PromptOptions {
  return { yes, json: flags.json === true, write: (t) => void process.stderr.write(t) }
}

export function isInteractive(opts: PromptOptions): boolean {
  return !opts.yes && !opts.json && Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY)
}

/** Shows `plan`, asks `question [Y/n]`, and resolves to the answer (EOF = no). */
export async function confirm(opts: PromptOptions, plan: string, question: string): Promise<boolean> {
  opts.write(`${plan}\n`)
  const { createInterface } = await import('node:readline/promises') // loaded only when a question is asked
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
  try {
    const answer = await rl.question(`${question} [Y/n] `).catch(() => 'n')
    return /^(y|yes|)$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}

/** Reads a line without echoing it (passphrases); undefined when stdin or stderr is not a terminal. */
export async function askSecret(question: string): Promise<string | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined
  process.stderr.write(question)
  const [{ createInterface }, { Writable }] = await Promise.all([import('node:readline/promises'), import('node:stream')]) // only when asked
  const muted = new Writable({ write: (_chunk: unknown, _enc: unknown, done: () => void) => done() })
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true })
  try {
    return await rl.question('').catch(() => undefined)
  } finally {
    rl.close()
    process.stderr.write('\n')
  }
}

/** The passphrase of a secret signing key: ZOI_PGP_PASSPHRASE, else asked on a terminal. */
export async function signingPassphrase(flags: { json?: unknown }): Promise<string> {
  const env = process.env.ZOI_PGP_PASSPHRASE
  if (env !== undefined) return env
  const answer = flags.json === true ? undefined : await askSecret('Passphrase for the signing key: ')
  if (answer === undefined) {
    throw new ZoiError('USAGE', 'the signing key is protected by a passphrase and there is no terminal to ask for it', { hint: 'set ZOI_PGP_PASSPHRASE' })
  }
  return answer
}
