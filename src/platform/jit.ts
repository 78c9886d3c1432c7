/**
 * The compiled binary starts with JavaScriptCore's JIT held back (build.ts: jitPolicy): most of a
 * command's code runs once, and compiling it only competed with the command for the CPU. Work that
 * loops long (a whole index listed row by row, a worker evaluating hundreds of definitions, any
 * command past its start) runs under the normal policy, so its hot code is compiled as usual.
 */

/** How long a command counts as starting up. */
const START_UP_MS = 200

/** From now on this thread compiles hot code as usual. */
export function normalJit(): void {
  Bun.unsafe.setJITPolicy(1)
}

/** The normal policy once the command has run for START_UP_MS (it does not keep the process alive). */
export function normalJitAfterStartUp(): void {
  setTimeout(normalJit, START_UP_MS).unref()
}
