/**
 * cmd(shell) of a definition: runs `sh -c` (cmd.exe on Windows) in BUILD_DIR and hands back
 * stdout, stderr and the exit code. A non-zero exit is a result, not an error; a command that
 * outlives its timeout is killed with its whole process group and fails the build.
 */
import { describeError, ZoiError } from '../errors.ts'

// node:child_process is loaded on first use: a static import would cost every command's start-up (even --version).
const childProcess = (): typeof import('node:child_process') => require('node:child_process')

export interface CommandResult {
  stdout: string
  stderr: string
  code: number
}

export interface CommandOptions {
  cwd: string
  env: Record<string, string>
  timeoutMs: number
}

/** Output kept per stream; a build log larger than this is cut (the command still runs to its end). */
const MAX_OUTPUT = 16 * 1024 * 1024

export function runCommand(shell: string, options: CommandOptions): Promise<CommandResult> {
  const windows = process.platform === 'win32'
  const [program, args] = windows ? ['cmd.exe', ['/d', '/s', '/c', shell]] : ['sh', ['-c', shell]]
  return new Promise((resolve, reject) => {
    const child = childProcess().spawn(program, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout can stop everything the command started.
      detached: !windows,
      windowsHide: true,
    })
    const out = collector()
    const err = collector()
    child.stdout.on('data', out.add)
    child.stderr.on('data', err.add)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      try {
        if (windows || child.pid === undefined) child.kill('SIGKILL')
        else process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }, options.timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(new ZoiError('BAD_DEFINITION', `cmd(${quote(shell)}) could not start ${program}: ${describeError(e)}`, { cause: e }))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (timedOut) {
        reject(new ZoiError('BAD_DEFINITION', `cmd(${quote(shell)}) did not finish within ${duration(options.timeoutMs)} and was stopped`))
        return
      }
      resolve({ stdout: out.text(), stderr: err.text(), code: code ?? (signal ? 128 : 1) })
    })
  })
}

function collector(): { add: (chunk: Buffer) => void; text: () => string } {
  const chunks: Buffer[] = []
  let size = 0
  return {
    add: (chunk) => {
      if (size >= MAX_OUTPUT) return
      chunks.push(chunk.subarray(0, MAX_OUTPUT - size))
      size += chunk.length
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  }
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`
}

function quote(shell: string): string {
  return JSON.stringify(shell.length > 80 ? `${shell.slice(0, 80)}…` : shell)
}
