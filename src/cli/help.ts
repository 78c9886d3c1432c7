/**
 * Help text: cac's sections, tidied the way pacman/cargo users read them: aliases beside
 * each command, `zoi help <command>` instead of a list of `--help` lines, examples as
 * commands. `zoi help [command]` is the same as `zoi [command] --help`.
 */
import type { CAC } from 'cac'

interface HelpSection {
  title?: string
  body: string
}

/** Installs the help layout on `cli`; call after every command is registered. */
export function tidyHelp(cli: CAC): void {
  cli.help((sections) => tidy(cli, sections))
}

function tidy(cli: CAC, sections: HelpSection[]): HelpSection[] {
  const usage = sections.find((s) => s.title === 'Usage')?.body.replace(/^\s*\$ zoi ?/, '') ?? ''
  const command = cli.commands.find((c) => c.rawName !== '' && c.rawName === usage)
  const out: HelpSection[] = []
  for (const s of sections) {
    if (s.title?.startsWith('For more info')) {
      out.push({ body: "Run 'zoi help <command>' for a command's options and examples." })
    } else if (s.title === 'Commands') {
      out.push({ title: 'Commands', body: commandList(cli) })
    } else if (s.title === 'Examples') {
      out.push({ title: 'Examples', body: s.body.split('\n').map((l) => `  $ ${l}`).join('\n') })
    } else if (s.title === undefined && s.body === 'zoi') {
      out.push({ body: command ? `zoi ${command.name}: ${command.description}` : 'zoi: an offline-first package manager' })
    } else {
      out.push({ ...s, body: s.body.replace(/ +$/gm, '') })
      if (s.title === 'Usage' && command?.aliasNames.length) out.push({ title: 'Aliases', body: `  ${command.aliasNames.join(', ')}` })
    }
  }
  return out
}

function commandList(cli: CAC): string {
  const width = Math.max(...cli.commands.map((c) => c.rawName.length))
  return cli.commands
    .map((c) => `  ${c.rawName.padEnd(width)}  ${c.description}${c.aliasNames.length ? ` (alias: ${c.aliasNames.join(', ')})` : ''}`)
    .join('\n')
}

/** `zoi help`, `zoi help install` → the argv cac shows help for. */
export function rewriteHelpCommand(argv: string[]): string[] {
  const [node = '', script = '', first, ...rest] = argv
  if (first !== 'help') return argv
  const named = rest.find((a) => !a.startsWith('-'))
  return [node, script, ...(named ? [named] : []), '--help']
}
