/**
 * A definition in build mode (SPEC §4 "Build time"): its top level runs with BUILD_DIR,
 * STAGING_DIR, BUILD_TYPE and SUBPKG set, then the caller runs lifecycle functions one at a time.
 * Pure like the metadata evaluator: every host operation (zcp, cmd, UTILS.EXTRACT, …) becomes a
 * request handed to the caller's `host` callback, and its answer (or error) goes back into Lua.
 * Failures are ZoiErrors "<file>:<line>: <what>"; a failed host operation keeps its own code
 * (UNSAFE_PATH, OFFLINE, …) so that exit codes stay meaningful.
 */
import { describeError, isZoiError, ZoiError } from '../errors.ts'
import { firstLine, locate, MAX_SOURCE_CHARS, placeMessage, sandboxRun, type EvaluateInput } from './evaluator.ts'
import { openBuildSandbox, type BuildGlobals, type BuildSandbox } from './lua-build-sandbox.ts'
import { luaReturn, type HostValue } from './lua-literal.ts'
import type { SandboxLimits, SandboxOutcome } from './lua-engine.ts'

export type LifecyclePhase = 'prepare' | 'build' | 'package' | 'verify' | 'test'

export interface HostRequest {
  /** 'zcp', 'cmd', 'UTILS.EXTRACT', 'UTILS.FS.exists', … */
  operation: string
  /** The Lua arguments in order; nil is null. */
  args: HostValue[]
}

/** Does one host operation and returns its results (Lua's multiple returns), or throws. */
export type HostHandler = (request: HostRequest) => Promise<HostValue[]>

export interface BuildEvaluateInput extends EvaluateInput {
  build: BuildGlobals
}

export interface BuildEvaluatorOptions {
  /** Lua VM instructions for the whole build (default 500 million). */
  instructionBudget?: number
  /** Time spent running Lua, host operations excluded (default 120 s). */
  timeLimitMs?: number
  /** Memory the definition may allocate (default 256 MiB). */
  memoryLimitBytes?: number
  /** Host operations per build (default 100 000). */
  maxHostCalls?: number
}

/** What a lifecycle function returned: its first value, when it is a boolean, number or string. */
export interface PhaseResult {
  defined: boolean
  /** Lua type of the first returned value ('nil' when nothing was returned). */
  type?: string
  value?: boolean | number | string
}

export interface BuildSession {
  /** Runs one lifecycle function (a no-op result with defined=false when there is none). */
  run(phase: LifecyclePhase): Promise<PhaseResult>
  close(): void
}

const DEFAULTS = { instructionBudget: 500_000_000, timeLimitMs: 120_000, memoryLimitBytes: 256 * 1024 * 1024, maxHostCalls: 100_000 }

/** Runs the definition's top level in build mode; the session then runs its lifecycle functions. */
export async function startBuild(input: BuildEvaluateInput, host: HostHandler, options: BuildEvaluatorOptions = {}): Promise<BuildSession> {
  if (input.source.length > MAX_SOURCE_CHARS) throw new ZoiError('BAD_DEFINITION', `${input.file}: definition is larger than 1 MiB`)
  const settings = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) }
  const limits: SandboxLimits = settings
  let box: BuildSandbox
  try {
    box = await openBuildSandbox(limits)
  } catch (e) {
    throw new ZoiError('INTERNAL', `could not start the Lua VM: ${describeError(e)}`, { cause: e })
  }
  const files = [input.file]
  const hostErrors: ZoiError[] = []
  let hostCalls = 0

  const fail = (outcome: Extract<SandboxOutcome, { ok: false }>): ZoiError => {
    const message = describeFailure(outcome, files, limits)
    // The newest host error the message carries is what stopped the definition.
    const cause = [...hostErrors].reverse().find((e) => message.includes(firstLine(e.message)))
    if (cause) return new ZoiError(cause.code, message, { hint: cause.hint, cause, data: cause.data })
    return new ZoiError('BAD_DEFINITION', message)
  }

  const started = box.start(sandboxRun(input, files), { ...input.build, version: input.build.version ?? input.version })
  if (!started.ok) {
    box.close()
    throw fail(started)
  }

  async function run(phase: LifecyclePhase): Promise<PhaseResult> {
    let outcome = box.step({ phase })
    for (;;) {
      if (!outcome.ok) throw fail(outcome)
      if (outcome.json.startsWith('D')) return JSON.parse(outcome.json.slice(1)) as PhaseResult
      if (++hostCalls > settings.maxHostCalls) {
        throw new ZoiError('BAD_DEFINITION', `${input.file}: ${phase}() made more than ${settings.maxHostCalls} host calls`)
      }
      let reply: string
      try {
        reply = luaReturn(true, await host(parseRequest(outcome.json.slice(1))))
      } catch (e) {
        const error = isZoiError(e) ? e : new ZoiError('BAD_DEFINITION', describeError(e), { cause: e })
        hostErrors.push(error)
        reply = luaReturn(false, [firstLine(error.message)])
      }
      outcome = box.step({ reply })
    }
  }

  return { run, close: () => box.close() }
}

/** build-sandbox.lua's request: {op, n, args}; args with nil holes arrive as an object. */
function parseRequest(json: string): HostRequest {
  const raw = JSON.parse(json) as { op: string; n: number; args: HostValue[] | Record<string, HostValue> }
  const args: HostValue[] = []
  for (let i = 0; i < raw.n; i++) {
    const value = Array.isArray(raw.args) ? raw.args[i] : raw.args[String(i + 1)]
    args.push(value === undefined ? null : value)
  }
  return { operation: raw.op, args }
}

function describeFailure(outcome: Extract<SandboxOutcome, { ok: false }>, files: string[], limits: SandboxLimits): string {
  const file = files[0] ?? ''
  if (outcome.limit === 'instructions') return `${locate(outcome.where, files)}: build exceeded its budget of ${limits.instructionBudget} Lua instructions`
  if (outcome.limit === 'time') return `${locate(outcome.where, files)}: build ran Lua code for longer than ${limits.timeLimitMs} ms`
  if (outcome.limit === 'memory') return `${file}: build used more than ${Math.round(limits.memoryLimitBytes / 1048576)} MiB of Lua memory`
  return placeMessage(outcome.message, files)
}
