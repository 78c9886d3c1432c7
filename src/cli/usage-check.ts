/**
 * Usage mistakes, reported as the user typed them, with a "did you mean": unknown commands
 * and unknown options (cac reports options camel-cased, `--dryRun`, and without suggestions).
 */
import type { CAC, Command } from 'cac'
import { ZoiError } from '../errors.ts'
import { didYouMean } from '../resolve/similar-names.ts'

export function unknownCommand(cli: CAC, word: string): ZoiError {
  const names = cli.commands.flatMap((c) => [c.name, ...c.aliasNames]).filter(Boolean)
  const near = didYouMean(word, names)
  return new ZoiError('USAGE', `unknown command '${word}'`, { hint: near ? `${near} (see 'zoi help')` : "run 'zoi help' for the list of commands" })
}

/** The flags a command accepts as typed: `--dry-run`, `-y`, `--yes`, … */
export function acceptedFlags(cli: CAC, command: Command | undefined): string[] {
  const options = [...cli.globalCommand.options, ...(command?.options ?? [])]
  return options.flatMap((o) => o.rawName.split(',').map((n) => n.trim().split(/\s/)[0]!))
}

/**
 * Every flag in argv (before `--`) must be one the command accepts; `--x=v` counts as `--x`,
 * `-yq` as `-y -q`. Values that follow a flag never start with `-` here.
 */
export function checkFlags(cli: CAC, command: Command | undefined, args: readonly string[]): void {
  const accepted = acceptedFlags(cli, command)
  for (const arg of args) {
    if (arg === '--') return
    if (!arg.startsWith('-') || arg === '-') continue
    const typed = arg.startsWith('--') ? [arg.split('=', 1)[0]!] : [...arg.slice(1)].map((c) => `-${c}`)
    for (const flag of typed) {
      if (accepted.includes(flag)) continue
      const near = didYouMean(flag, accepted.filter((a) => a.startsWith('--')))
      const help = command ? `'zoi help ${command.name}'` : "'zoi help'"
      throw new ZoiError('USAGE', `unknown option '${flag}'${command ? ` for '${command.name}'` : ''}`, { hint: near ? `${near} (see ${help})` : `see ${help}` })
    }
  }
}
