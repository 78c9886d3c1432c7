/**
 * Runs the compiled dist/zoi the way a user would: a temp HOME per test, no inherited zoi
 * config, a timeout so a hang fails the test instead of the suite.
 */
import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ZOI_BIN = resolve(import.meta.dir, '../../dist/zoi')

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  home: string
  env?: Record<string, string>
  cwd?: string
  timeoutMs?: number
  stdin?: string
}

export function makeTempDir(prefix = 'zoi-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Fails fast with a clear message when the binary was not built. */
export function assertBinaryBuilt(): void {
  try {
    statSync(ZOI_BIN)
  } catch {
    throw new Error(`${ZOI_BIN} is missing: run 'npm run build' first`)
  }
}

export async function runZoi(args: string[], opts: RunOptions): Promise<CliResult> {
  assertBinaryBuilt()
  return runCommand([ZOI_BIN, ...args], opts)
}

export async function runCommand(cmd: string[], opts: RunOptions): Promise<CliResult> {
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd ?? opts.home,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.home, NO_COLOR: '1', ...opts.env },
    stdin: opts.stdin === undefined ? 'ignore' : new TextEncoder().encode(opts.stdin),
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const timeout = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  clearTimeout(timeout)
  return { exitCode, stdout, stderr }
}

/** For failure messages: everything the process said. */
export function formatResult(r: CliResult): string {
  return `exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`
}
