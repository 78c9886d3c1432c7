/**
 * The command line: registers every command with cac, parses, runs the matched command, renders
 * its result, and maps every error to an exit code. The ONLY try/catch that decides exit codes.
 */
import { cac, type CAC } from 'cac'
import { isatty } from 'node:tty'
import { ZoiError } from '../errors.ts'
import { VERSION } from '../version.ts'
import { flagName, type CommandSpec, type Flags } from './command-spec.ts'
import { COMMANDS } from './commands/index.ts'
import { createContext, type GlobalFlags } from './context.ts'
import { processSink, renderError, renderOutput, type Sink } from './render.ts'
import { createReporter } from './reporter.ts'

const GLOBAL_OPTIONS: [string, string][] = [
  ['--offline', 'Never use the network; fail with exit 5 when something is missing'],
  ['--root <dir>', 'Operate on another filesystem root (system scope, every path re-based)'],
  ['--pkg-dir <dir>', 'Also look for archives in this folder (repeatable)'],
  ['-y, --yes', 'Answer yes to every question'],
  ['--json', 'Print results and errors as JSON on stdout'],
  ['-v, --verbose', 'More output; stack traces on errors'],
  ['-q, --quiet', 'No progress output'],
  ['--version', 'Print the version'],
]

export async function runCli(argv: string[], sink: Sink = processSink): Promise<number> {
  const json = argv.includes('--json')
  const verbose = argv.includes('-v') || argv.includes('--verbose')
  try {
    const cli = buildCli()
    argv = camelBooleanFlags(argv)
    const parsed = cli.parse(argv, { run: false })
    const opts = parsed.options
    if (opts.help) return 0 // cac printed the help
    if (!cli.matchedCommand) {
      checkGlobalOptions(cli)
      if (opts.version) {
        renderOutput({ text: `zoi ${VERSION}`, json: { version: VERSION } }, json, sink)
        return 0
      }
      const first = parsed.args[0]
      if (first !== undefined) {
        throw new ZoiError('USAGE', `unknown command '${first}'`, { hint: "run 'zoi --help' for the list of commands" })
      }
      cli.outputHelp()
      return 0
    }
    fixStringOptions(cli, argv)
    return await cli.runMatchedCommand()
  } catch (e) {
    return renderError(toZoiError(e), { json, verbose }, sink)
  }

  function buildCli(): CAC {
    const cli = cac('zoi')
    for (const [flag, desc] of GLOBAL_OPTIONS) cli.option(flag, desc, flag.startsWith('--pkg-dir') ? { type: [String] } : undefined)
    cli.help()
    for (const spec of commandsFor(argv)) register(cli, spec)
    return cli
  }

  function register(cli: CAC, spec: CommandSpec): void {
    const cmd = cli.command(spec.usage, spec.description)
    for (const alias of spec.aliases ?? []) cmd.alias(alias)
    for (const o of spec.options ?? []) cmd.option(o.flag, o.description, o.repeatable ? { type: [String] } : undefined)
    for (const ex of spec.examples ?? []) cmd.example(ex)
    cmd.action(async (...actionArgs: unknown[]) => {
      const flags = actionArgs.pop() as Flags
      const args = actionArgs.flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a.map(String) : [String(a)]))
      const global = readGlobalFlags(flags)
      const report = createReporter({
        quiet: global.quiet,
        verbose: global.verbose,
        tty: isatty(2),
        color: isatty(2) && !process.env.NO_COLOR,
        write: (t) => sink.stderr(t),
      })
      const ctx = await createContext(global, report)
      const out = await spec.run(ctx, args, flags)
      renderOutput(out, global.json, sink)
      return out.exitCode ?? 0
    })
  }
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
 * The commands cac needs to know for this argv: the one its first word names, or every command
 * (for --help, a bare `zoi` and unknown words). Registering all of them costs start-up time for
 * nothing when the command is known; `zoi --version` needs none.
 */
function commandsFor(argv: string[]): readonly CommandSpec[] {
  const args = argv.slice(2)
  let word: string | undefined
  for (let i = 0; i < args.length && word === undefined; i++) {
    const a = args[i]!
    if (a === '--') break
    if (a === '--root' || a === '--pkg-dir') i++ // their value is not the command
    else if (!a.startsWith('-')) word = a
  }
  if (word === undefined) return args.includes('--version') && !args.includes('--help') && !args.includes('-h') ? [] : COMMANDS
  const named = COMMANDS.filter((c) => c.usage.split(' ')[0] === word || c.aliases?.includes(word!))
  return named.length > 0 ? named : COMMANDS
}

/**
 * cac hands mri its boolean options camelCased (`dryRun`), so mri does not know that `--dry-run`
 * takes no value and swallows the next word (`install --dry-run vim` lost `vim`). Spelling those
 * flags the way cac names them keeps the next word an argument.
 */
function camelBooleanFlags(argv: string[]): string[] {
  const flags = [...GLOBAL_OPTIONS.map(([flag]) => flag), ...COMMANDS.flatMap((c) => (c.options ?? []).map((o) => o.flag))]
  const booleans = new Set(
    flags.filter((f) => !/[<[]/.test(f)).flatMap((f) => f.split(',').map((n) => n.trim())).filter((n) => /^--[a-z0-9]+-/.test(n) && !n.startsWith('--no-')),
  )
  const end = argv.indexOf('--')
  return argv.map((a, i) => ((end === -1 || i < end) && booleans.has(a) ? '--' + a.slice(2).replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : a))
}

/** cac throws plain Errors named CACError for usage problems: those are exit 2. */
function toZoiError(e: unknown): unknown {
  if (e instanceof Error && e.name === 'CACError') {
    return new ZoiError('USAGE', e.message.replace(/`/g, "'"), { hint: "run 'zoi --help' (or 'zoi <command> --help')" })
  }
  return e
}

function checkGlobalOptions(cli: CAC): void {
  for (const name of Object.keys(cli.options)) {
    if (name !== '--' && !cli.globalCommand.hasOption(name)) {
      throw new ZoiError('USAGE', `unknown option '${name.length > 1 ? '--' : '-'}${name}'`, { hint: "run 'zoi --help'" })
    }
  }
}

/**
 * cac's parser turns option values that look like numbers into numbers ('1.10' → 1.1).
 * Version strings must stay exact, so every value-taking option is re-read from argv.
 */
function fixStringOptions(cli: CAC, argv: string[]): void {
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
