/** The running zoi executable, for handing itself to child processes (the `git` of builds). */
import { basename } from 'node:path'

/** The compiled zoi binary, or undefined when running from sources under bun (tests). */
export function zoiExecutable(argv: readonly string[] = process.argv, execPath = process.execPath): string | undefined {
  const script = argv[1] ?? ''
  // A `bun build --compile` binary runs its entry from the embedded /$bunfs (B:/~BUN on Windows).
  const compiled = script.startsWith('/$bunfs/') || script.includes('~BUN')
  return compiled && !/^bun(\.exe)?$/.test(basename(execPath)) ? execPath : undefined
}

/** The name zoi was started under (`git` when it serves a build's git commands). */
export function invokedAs(argv0: string = process.argv0): string {
  return basename(argv0).replace(/\.exe$/i, '')
}
