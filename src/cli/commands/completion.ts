/**
 * `zoi completion bash|zsh|fish`: a shell script completing commands, aliases, flags and
 * package names. Names come from `zoi completion names` (the synced index and what is
 * installed) when the user presses Tab, so they follow every sync without reinstalling.
 */
import { GLOBAL_OPTIONS, requireAction, type CommandSpec } from '../command-spec.ts'

/** Commands whose arguments are package names. */
const TAKES_PACKAGES = new Set(['install', 'uninstall', 'update', 'show', 'files', 'why', 'pin', 'unpin', 'check'])

interface Word {
  name: string
  aliases: string[]
  description: string
  flags: string[]
  packages: boolean
}

const flagsOf = (raw: string) => raw.split(',').map((n) => n.trim().split(/\s/)[0]!)

async function words(): Promise<{ commands: Word[]; global: string[] }> {
  const { COMMANDS } = await import('./index.ts')
  const commands = COMMANDS.map((c) => {
    const name = c.usage.split(' ')[0]!
    return { name, aliases: c.aliases ?? [], description: c.description, flags: (c.options ?? []).flatMap((o) => flagsOf(o.flag)), packages: TAKES_PACKAGES.has(name) }
  })
  commands.push({ name: 'help', aliases: [], description: 'Show help for zoi or for one command', flags: [], packages: false })
  return { commands, global: [...GLOBAL_OPTIONS.flatMap(([f]) => flagsOf(f)), '-h', '--help'] }
}

function bash(w: { commands: Word[]; global: string[] }): string {
  const cases = w.commands
    .map((c) => `    ${[c.name, ...c.aliases].join('|')}) flags="${c.flags.join(' ')}"; names=${c.packages ? 1 : 0} ;;`)
    .join('\n')
  return `# zoi completion for bash: eval "$(zoi completion bash)" in ~/.bashrc
_zoi() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="" i flags="" names=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in --root|--pkg-dir) ((i++)) ;; -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags ${w.global.join(' ')}" -- "$cur"))
  elif [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${w.commands.flatMap((c) => [c.name, ...c.aliases]).join(' ')}" -- "$cur"))
  elif [[ "$cmd" == help ]]; then
    COMPREPLY=($(compgen -W "${w.commands.map((c) => c.name).join(' ')}" -- "$cur"))
  elif ((names)); then
    COMPREPLY=($(compgen -W "$(command zoi completion names 2>/dev/null)" -- "$cur"))
  fi
}
complete -o default -F _zoi zoi
`
}

function zsh(w: { commands: Word[]; global: string[] }): string {
  return `#compdef zoi
# zoi completion for zsh: eval "$(zoi completion zsh)" in ~/.zshrc (after compinit)
autoload -U +X bashcompinit && bashcompinit
${bash(w).split('\n').slice(1).join('\n')}`
}

function fish(w: { commands: Word[]; global: string[] }): string {
  const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  const flag = (f: string) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`)
  const lines = ['# zoi completion for fish: zoi completion fish > ~/.config/fish/completions/zoi.fish', 'complete -c zoi -f']
  for (const c of w.commands) {
    for (const n of [c.name, ...c.aliases]) lines.push(`complete -c zoi -n __fish_use_subcommand -a ${n} -d ${quote(c.description)}`)
    const seen = `'__fish_seen_subcommand_from ${[c.name, ...c.aliases].join(' ')}'`
    for (const f of c.flags) lines.push(`complete -c zoi -n ${seen} ${flag(f)}`)
    if (c.packages) lines.push(`complete -c zoi -n ${seen} -a '(zoi completion names 2>/dev/null)'`)
  }
  for (const f of w.global) lines.push(`complete -c zoi ${flag(f)}`)
  return `${lines.join('\n')}\n`
}

export const completion: CommandSpec = {
  usage: 'completion <shell>',
  description: "Print a completion script: bash, zsh or fish ('names' lists package names for it)",
  examples: ['eval "$(zoi completion bash)"', 'zoi completion fish > ~/.config/fish/completions/zoi.fish'],
  async run(ctx, args) {
    const { knownPackageNames } = await import('../../ops/query.ts')
    const shell = requireAction('completion', args[0], ['bash', 'zsh', 'fish', 'names'])
    if (shell === 'names') {
      const names = knownPackageNames(ctx)
      return { text: names.join('\n'), json: names }
    }
    const w = await words()
    const script = shell === 'bash' ? bash(w) : shell === 'zsh' ? zsh(w) : fish(w)
    return { text: script, json: { shell, script } }
  },
}
