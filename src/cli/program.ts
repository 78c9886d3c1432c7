/**
 * The command line: registers every command with cac, parses, runs the matched command, renders
 * its result, and maps every error to an exit code. The ONLY try/catch that decides exit codes.
 */
import type { CAC } from 'cac'
import { ZoiError, fromSystemError } from '../errors.ts'
import { VERSION } from '../version.ts'
import { normalJitAfterStartUp } from '../platform/jit.ts'
import { invokedAs } from '../platform/self.ts'
import type { CommandSpec, Flags } from './command-spec.ts'
import type { GlobalFlags } from './context.ts'
import { processSink, renderError, renderOutput, type Sink } from './render.ts'
import { rewriteHelpCommand } from './help.ts'

export async function runCli(given: string[], sink: Sink = processSink, argv0 = process.argv0): Promise<number> {
  normalJitAfterStartUp()
  // Multi-call: under the name `git`, zoi is the git of builds (src/sources/git-command.ts).
  if (invokedAs(argv0) === 'git') return (await import('./git-entry.ts')).runAsGit(given.slice(2), sink)
  const argv = rewriteHelpCommand(given)
  const json = argv.includes('--json')
  const verbose = argv.includes('-v') || argv.includes('--verbose')
  if (asksOnlyVersion(argv)) return printVersion(json, sink)
  try {
    // The parser and the command table load only now: `zoi --version` needs neither.
    const [{ cac }, { COMMANDS }, { flagName, GLOBAL_OPTIONS }, { tidyHelp }, { createReporter }, { checkFlags, unknownCommand }] = await Promise.all([
      import('cac'),
      import('./commands/index.ts'),
      import('./command-spec.ts'),
      import('./help.ts'),
      import('./reporter.ts'),
      import('./usage-check.ts'),
    ])
    const specs = commandsFor(argv, COMMANDS)
    const cli = cac('zoi')
    for (const [flag, desc] of GLOBAL_OPTIONS) cli.option(flag, desc, flag.startsWith('--pkg-dir') ? { type: [String] } : undefined)
    for (const spec of specs) register(cli, spec, createReporter)
    cli.command('help [command]', 'Show help for zoi or for one command')
    tidyHelp(cli)
    const asked = argv !== given ? argv[2] : undefined
    if (asked !== undefined && asked !== '--help' && !cli.commands.some((c) => c.isMatched(asked))) throw unknownCommand(cli, asked)
    const parsed = cli.parse(dashedSwitchesLast(argv, specs), { run: false })
    const opts = parsed.options
    if (opts.help) return 0 // cac printed the help
    const first = parsed.args[0]
    if (!cli.matchedCommand && first !== undefined) throw unknownCommand(cli, first)
    checkFlags(cli, cli.matchedCommand, argv.slice(2))
    if (!cli.matchedCommand) {
      if (opts.version) {
        return printVersion(json, sink)
      }
      cli.outputHelp()
      return 0
    }
    fixStringOptions(cli, argv, flagName)
    return await cli.runMatchedCommand()
  } catch (e) {
    return renderError(toZoiError(e), { json, verbose }, sink)
  }

  function register(cli: CAC, spec: CommandSpec, createReporter: typeof import('./reporter.ts').createReporter): void {
    const cmd = cli.command(spec.usage, spec.description)
    for (const alias of spec.aliases ?? []) cmd.alias(alias)
    for (const o of spec.options ?? []) cmd.option(o.flag, o.description, o.repeatable ? { type: [String] } : undefined)
    for (const ex of spec.examples ?? []) cmd.example(ex)
    cmd.action(async (...actionArgs: unknown[]) => {
      const flags = actionArgs.pop() as Flags
      const args = actionArgs.flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a.map(String) : [String(a)]))
      const global = readGlobalFlags(flags)
      const tty = await stderrIsTerminal()
      const report = createReporter({
        quiet: global.quiet,
        verbose: global.verbose,
        tty,
        color: tty && !process.env.NO_COLOR,
        write: (t) => sink.stderr(t),
        // process.stderr builds Node's stream machinery: only a terminal needs its width.
        columns: (tty && process.stderr.columns) || Number(process.env.COLUMNS) || 80,
      })
      const { createContext } = await import('./context.ts')
      const ctx = await createContext(global, report)
      const out = await spec.run(ctx, args, flags).finally(() => report.finish())
      renderOutput(out, global.json, sink)
      return out.exitCode ?? 0
    })
  }
}

function printVersion(json: boolean, sink: Sink): number {
  renderOutput({ text: `zoi ${VERSION}`, json: { version: VERSION } }, json, sink)
  return 0
}

/**
 * isatty(2), without loading node:tty (its streams cost several milliseconds of start-up) when
 * stderr is a pipe, a file or /dev/null: a terminal is always a character device, and not that one.
 */
async function stderrIsTerminal(): Promise<boolean> {
  const { fstatSync, statSync } = await import('node:fs')
  try {
    const st = fstatSync(2)
    if (!st.isCharacterDevice() || st.rdev === statSync('/dev/null').rdev) return false
  } catch {
    return false
  }
  return (await import('node:tty')).isatty(2)
}

function readGlobalFlags(flags: Flags): GlobalFlags {
  const pkgDirs = flags.pkgDir === undefined ? [] : ([] as unknown[]).concat(flags.pkgDir).map(String)
  if (flags.root === true) throw new ZoiError('USAGE', "option '--root' needs a directory")
  if (pkgDirs.includes('true')) throw new ZoiError('USAGE', "option '--pkg-dir' needs a directory")
  return {
    offline: flags.offline === true,
    root: flags.root === undefined ? undefined : String(flags.root),
    pkgDirs,
    yes: flags.yes === true,
    json: flags.json === true,
    verbose: flags.verbose === true,
    quiet: flags.quiet === true,
    scope: typeof flags.scope === 'string' ? flags.scope : undefined,
  }
}

/**
 * cac tells its parser that `--dry-run` is a switch under the camel-cased name only, so a
 * dashed switch given before the arguments swallowed the next one (`uninstall --dry-run a b`
 * read `a` as its value). Switches take no value: moving them after the arguments is the same
 * command line, and one cac parses right.
 */
function dashedSwitchesLast(argv: string[], specs: readonly CommandSpec[]): string[] {
  const switches = new Set<string>()
  for (const spec of specs) for (const o of spec.options ?? []) if (!/[<[]/.test(o.flag)) for (const m of o.flag.matchAll(/--([a-z]+-[a-z-]+)/g)) switches.add(`--${m[1]}`)
  const end = argv.indexOf('--')
  const head = end === -1 ? argv : argv.slice(0, end)
  const moved = head.filter((a, i) => i >= 2 && switches.has(a))
  if (moved.length === 0) return argv
  const kept = head.filter((a, i) => i < 2 || !switches.has(a))
  return [...kept, ...moved, ...(end === -1 ? [] : argv.slice(end))]
}

/**
 * The commands cac needs to know for this argv: the one its first word names, or every command
 * (for --help, a bare `zoi` and unknown words). Registering all of them costs start-up time for
 * nothing when the command is known; `zoi --version` needs none.
 */
function commandsFor(argv: string[], all: readonly CommandSpec[]): readonly CommandSpec[] {
  const args = argv.slice(2)
  let word: string | undefined
  for (let i = 0; i < args.length && word === undefined; i++) {
    const a = args[i]!
    if (a === '--') break
    if (a === '--root' || a === '--pkg-dir') i++ // their value is not the command
    else if (!a.startsWith('-')) word = a
  }
  if (word === undefined) return args.includes('--version') && !args.includes('--help') && !args.includes('-h') ? [] : all
  const named = all.filter((c) => c.usage.split(' ')[0] === word || c.aliases?.includes(word!))
  return named.length > 0 ? named : all
}

/**
 * `zoi --version` (with --json, -q or -v at most) is answered before the parser and the command
 * table load: start-up is then the runtime's and nothing more. Any other word goes through cac,
 * which also rejects `zoi --version --bogus`.
 */
function asksOnlyVersion(argv: string[]): boolean {
  const args = argv.slice(2)
  return args.includes('--version') && args.every((a) => VERSION_COMPANIONS.has(a))
}
const VERSION_COMPANIONS = new Set(['--version', '--json', '-q', '--quiet', '-v', '--verbose'])

/** cac throws plain Errors named CACError for usage problems: those are exit 2. Errno errors name their path. */
function toZoiError(e: unknown): unknown {
  if (e instanceof Error && e.name === 'CACError') {
    return new ZoiError('USAGE', e.message.replace(/`/g, "'"), { hint: "run 'zoi --help' (or 'zoi <command> --help')" })
  }
  return fromSystemError(e)
}

/**
 * cac's parser turns option values that look like numbers into numbers ('1.10' → 1.1).
 * Version strings must stay exact, so every value-taking option is re-read from argv.
 */
function fixStringOptions(cli: CAC, argv: string[], flagName: (name: string) => string): void {
  const options = [...cli.globalCommand.options, ...(cli.matchedCommand?.options ?? [])]
  for (const o of options) {
    if (o.isBoolean) continue
    const values: string[] = []
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!
      if (a === '--') break
      for (const n of o.names) {
        const flag = n.length > 1 ? `--${flagName(n)}` : `-${n}`
        if (a === flag && i + 1 < argv.length) values.push(argv[i + 1]!)
        else if (a.startsWith(flag + '=')) values.push(a.slice(flag.length + 1))
      }
    }
    if (values.length === 0) continue
    cli.options[o.name] = Array.isArray(cli.options[o.name]) ? values : values[values.length - 1]
  }
}
