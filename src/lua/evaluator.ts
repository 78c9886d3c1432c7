/**
 * Reading a definition's metadata: runs a .pkg.lua in a reused sandbox and turns the outcome
 * into a PackageSpec or one BAD_DEFINITION error "<file>[:<line>]: <what>". Pure: the file's
 * text, the target platform and the INCLUDE reader arrive as arguments.
 */
import { describeError, ZoiError } from '../errors.ts'
import { discardLuaModule } from './lua-module.ts'
import { includedFilePath, resolveIncludePath } from './include-path.ts'
import type { SandboxLimits, SandboxOutcome } from './lua-engine.ts'
import { openSandbox, type Sandbox } from './lua-sandbox.ts'
import type { IncludeAnswer, SandboxRun } from './sandbox-environment.ts'
import { toPackageSpec, type EvaluationResult, type PackageSpec } from './package-spec.ts'

export interface TargetPlatform {
  os: 'linux' | 'macos' | 'windows' | 'freebsd'
  arch: 'amd64' | 'arm64'
  distro?: string
  manager?: string
}

export interface EvaluateInput {
  /** The .pkg.lua text. */
  source: string
  /** Path shown in errors, e.g. 'core/hello/hello.pkg.lua'. */
  file: string
  /** What SYSTEM.OS / SYSTEM.ARCH (/ DISTRO / MANAGER) say. */
  target: TargetPlatform
  /** ZOI.VERSION, when a version is being resolved. */
  version?: string
  /** ZOI.PATH. */
  zoiPaths?: { user: string; system: string }
  /** INCLUDE(file): the text of a file in the definition's folder (path relative to it), or undefined. */
  include?: (relativePath: string) => string | undefined
}

export interface EvaluatorOptions {
  /** Lua VM instructions per definition (default 10 million, ~50 ms). */
  instructionBudget?: number
  /** Wall-clock time per definition (default 1000 ms). */
  timeLimitMs?: number
  /** Memory a definition may allocate (default 32 MiB). */
  memoryLimitBytes?: number
}

export interface Evaluator {
  evaluate(input: EvaluateInput): Promise<PackageSpec>
  /** Starts the Lua VM now rather than on the first evaluate(); INTERNAL when it cannot start. */
  prepare(): Promise<void>
  close(): void
}

const DEFAULT_LIMITS: SandboxLimits = { instructionBudget: 10_000_000, timeLimitMs: 1000, memoryLimitBytes: 32 * 1024 * 1024 }
export const MAX_SOURCE_CHARS = 1024 * 1024
const MAX_INCLUDES = 64

/** A sandbox with the default limits started ahead of need (prepareEvaluator), for the next evaluator with those limits. */
let spare: Promise<Sandbox> | undefined

/**
 * Starts loading the Lua module and a sandbox with the default limits without waiting for them,
 * so they load while the caller waits on something else (a sync's fetch); the next evaluator
 * created with the default limits takes that sandbox. A failure is reported by that evaluator.
 *
 * `warmUp` (many definitions will follow: a new clone is indexed whole): the wait also warms
 * the evaluation up. This thread's first thousand evaluations run at half the speed of
 * later ones while JavaScriptCore compiles the Lua VM's wasm and the JS around it for their
 * higher tiers (140 ms for the first 1,000 definitions, 70 ms once warm); so until an evaluator
 * takes the sandbox, it evaluates a definition of its own, WARM_UP_RUNS times at most in all
 * (per thread), in slices of about a millisecond between which the event loop runs (the fetch
 * goes on).
 */
export function prepareEvaluator(options: { warmUp?: boolean } = {}): void {
  if (spare) return
  const starting = openSandbox(DEFAULT_LIMITS)
  starting.catch(() => {
    if (spare === starting) spare = undefined
  })
  spare = starting
  if (options.warmUp) void warmUp(starting)
}

const WARM_UP_RUNS = 1500
let warmUpRuns = 0

/** How many warm-up evaluations this thread has run (for tests). */
export function warmUpCount(): number {
  return warmUpRuns
}

/** A definition as registries write them: metadata, dependencies and the build functions. */
export const WARM_UP: EvaluateInput = {
  file: 'core/zoi-warm-up/zoi-warm-up.pkg.lua',
  target: { os: 'linux', arch: 'amd64' },
  source: `local version = "1.4.2"
metadata({
  name = "zoi-warm-up", repo = "core", version = version, description = "warms the evaluator up",
  website = "https://example.invalid/zoi-warm-up", license = "MIT", bins = { "zoi-warm-up" },
  tags = { "cli", "tool" }, versions = { stable = version, beta = version .. "-beta.1" },
})
dependencies({ runtime = { "zoi:libexample@>=1.2", "native:zlib" }, build = { required = { "zoi:make" } } })
function prepare() end
function package() end
`,
}

/** Evaluates WARM_UP on the prepared sandbox until an evaluator takes it (see prepareEvaluator). */
async function warmUp(prepared: Promise<Sandbox>): Promise<void> {
  const evaluator = evaluatorOn(() => prepared, DEFAULT_LIMITS)
  try {
    // WARM_UP_RUNS for the thread, not for each call: the next registry of a sync finds the code warm.
    while (warmUpRuns < WARM_UP_RUNS && spare === prepared) {
      const until = performance.now() + 1
      while (warmUpRuns < WARM_UP_RUNS && performance.now() < until) {
        await evaluator.evaluate(WARM_UP)
        warmUpRuns++
      }
      // Unref'd: the warm-up never keeps the process alive (a sync that failed or found its
      // index current ends without waiting for it).
      await new Promise((resolve) => setImmediate(resolve).unref())
    }
  } catch {
    // The sandbox did not start or failed: whoever takes it next opens another.
    if (spare === prepared) spare = undefined
  }
}

/** The prepared sandbox, when these are the limits it was started with. */
function takeSpare(limits: SandboxLimits): Promise<Sandbox> | undefined {
  const same = (Object.keys(DEFAULT_LIMITS) as (keyof SandboxLimits)[]).every((k) => limits[k] === DEFAULT_LIMITS[k])
  if (!same) return undefined
  const taken = spare
  spare = undefined
  return taken
}

/** An evaluator that keeps one Lua state for all the definitions it reads (a fresh one costs ~1.5 ms). */
export function createEvaluator(options: EvaluatorOptions = {}): Evaluator {
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...withoutUndefined(options) }
  return evaluatorOn(() => takeSpare(limits) ?? openSandbox(limits), limits)
}

/** An evaluator on the sandbox `source` gives (the warm-up's borrows the prepared one and is never closed). */
function evaluatorOn(source: () => Promise<Sandbox>, limits: SandboxLimits): Evaluator {
  let sandbox: Promise<Sandbox> | undefined
  // The sandbox once started, with the promise it came from: evaluate() then needs no await.
  let ready: { box: Sandbox; pending: Promise<Sandbox> } | undefined
  let closed = false

  async function open(): Promise<{ box: Sandbox; pending: Promise<Sandbox> }> {
    if (closed) throw new ZoiError('INTERNAL', 'the definition evaluator was used after close()')
    if (ready && ready.pending === sandbox) return ready
    sandbox ??= source()
    const pending = sandbox
    try {
      const box = await pending
      if (sandbox === pending) ready = { box, pending }
      return { box, pending }
    } catch (e) {
      if (sandbox === pending) sandbox = undefined
      discardLuaModule()
      throw new ZoiError('INTERNAL', `could not start the Lua VM: ${describeError(e)}`, { cause: e })
    }
  }

  async function evaluate(input: EvaluateInput): Promise<PackageSpec> {
    if (input.source.length > MAX_SOURCE_CHARS) throw badDefinition(`${input.file}: definition is larger than 1 MiB`)
    const { box, pending } = !closed && ready && ready.pending === sandbox ? ready : await open()
    const files = [input.file]
    let outcome: SandboxOutcome
    try {
      outcome = box.run(sandboxRun(input, files))
    } catch (e) {
      // The VM itself failed (a wasm trap): this state, and maybe the module, cannot be trusted.
      box.close()
      if (sandbox === pending) sandbox = undefined
      discardLuaModule()
      throw badDefinition(`${input.file}: the Lua VM failed (${describeError(e)})`, e)
    }
    if (!outcome.ok) throw badDefinition(describeFailure(outcome, files, limits))
    const result = JSON.parse(outcome.json) as EvaluationResult
    // Synchronous after run(): nothing else can have run on this sandbox in between.
    return toPackageSpec(result, (what, key) => {
      const where = key === undefined ? '' : box.whereSet(key)
      const location = where !== '' ? mapChunknames(where, files) : input.file
      throw badDefinition(`${location}: ${what}`)
    })
  }

  function close(): void {
    closed = true
    void sandbox?.then((box) => box.close(), () => undefined)
    sandbox = undefined
    ready = undefined
  }

  return { evaluate, prepare: async () => void (await open()), close }
}

let shared: Evaluator | undefined

/** Evaluates one definition with a process-wide evaluator and default limits. */
export function evaluateDefinition(input: EvaluateInput): Promise<PackageSpec> {
  shared ??= createEvaluator()
  return shared.evaluate(input)
}

/** The sandbox run of a definition; `files` collects what it INCLUDEs (files[0] is the definition). */
export function sandboxRun(input: EvaluateInput, files: string[]): SandboxRun {
  return {
    source: input.source,
    chunkname: '=#0',
    context: {
      os: input.target.os, arch: input.target.arch, distro: input.target.distro, manager: input.target.manager,
      version: input.version, userPath: input.zoiPaths?.user, systemPath: input.zoiPaths?.system,
    },
    include: (path) => answerInclude(input, files, path),
  }
}

function answerInclude(input: EvaluateInput, files: string[], requested: string): IncludeAnswer {
  const call = `INCLUDE(${JSON.stringify(requested.length > 200 ? `${requested.slice(0, 200)}…` : requested)})`
  const relative = resolveIncludePath(requested)
  if (relative === undefined) return { error: `${call}: only files inside the definition's folder can be included` }
  if (files.length > MAX_INCLUDES) return { error: `more than ${MAX_INCLUDES} INCLUDE() calls` }
  let text: string | undefined
  try {
    text = input.include?.(relative)
  } catch (e) {
    return { error: `${call}: ${describeError(e)}` }
  }
  if (text === undefined) return { error: `${call}: no such file next to ${input.file}` }
  if (text.length > MAX_SOURCE_CHARS) return { error: `${call}: file is larger than 1 MiB` }
  files.push(includedFilePath(input.file, relative))
  return { source: text, chunkname: `=#${files.length - 1}` }
}

function describeFailure(outcome: Extract<SandboxOutcome, { ok: false }>, files: string[], limits: SandboxLimits): string {
  const file = files[0] ?? ''
  if (outcome.limit === 'instructions') return `${locate(outcome.where, files)}: evaluation exceeded its budget of ${limits.instructionBudget} Lua instructions`
  if (outcome.limit === 'time') return `${locate(outcome.where, files)}: evaluation took longer than ${limits.timeLimitMs} ms`
  if (outcome.limit === 'memory') return `${file}: evaluation used more than ${Math.round(limits.memoryLimitBytes / 1048576)} MiB of memory`
  return placeMessage(outcome.message, files)
}

/** A Lua error message as "<file>[:<line>]: <what>": its first line, chunk names mapped to files. */
export function placeMessage(text: string, files: string[]): string {
  const message = mapChunknames(firstLine(text), files)
  return files.some((name) => message.startsWith(`${name}:`)) ? message : `${files[0] ?? ''}: ${message}`
}

/** "#1:12: " (luaL_where of the running code) → "<files[1]>:12"; the definition itself otherwise. */
export function locate(where: string | undefined, files: string[]): string {
  const match = /^#(\d+):(\d+):/.exec(where ?? '')
  const file = match ? files[Number(match[1])] : undefined
  return file !== undefined && match ? `${file}:${match[2]}` : (files[0] ?? '')
}

/** Lua names chunks by their chunkname: "#1:12: …" means line 12 of files[1]. */
function mapChunknames(text: string, files: string[]): string {
  return text.replace(/#(\d+):/g, (whole, index: string) => {
    const file = files[Number(index)]
    return file === undefined ? whole : `${file}:`
  })
}

export function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? ''
  return line.length > 500 ? `${line.slice(0, 500)}…` : line
}

function badDefinition(message: string, cause?: unknown): ZoiError {
  return new ZoiError('BAD_DEFINITION', message, cause === undefined ? {} : { cause })
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
