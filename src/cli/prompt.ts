/**
 * Asking before changing a system, as pacman does: only on an interactive terminal, never with
 * -y, --json or --dry-run; the default answer is yes. Reading stdin is the CLI's business only.
 */
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
