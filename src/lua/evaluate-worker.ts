/**
 * Worker thread of evaluation-pool.ts. Its first message is the start: the compiled Lua module
 * of the pool's thread (when it has one), so this thread instantiates it rather than compiling
 * its own and shares its warmed-up code; it then starts its own Lua engine and says `ready`.
 * Every later message is a chunk of jobs: it evaluates them and posts the outcomes back in order.
 * If the engine cannot start or fails, it says `failed` and the pool gives the chunk to another
 * thread. It is a build entrypoint of its own (build.ts), so the compiled binary can start it.
 */
import { describeError } from '../errors.ts'
import { createEvaluator } from './evaluator.ts'
import { runJob, type DefinitionJob, type JobOutcome } from './definition-job.ts'
import { adoptCompiledModule } from './lua-module.ts'

declare const self: Worker

export interface WorkerStart {
  /** The compiled wasm and its hash (lua-module.ts). */
  module?: { module: WebAssembly.Module; hash: string }
}

// A worker evaluates hundreds of definitions or more: the normal JIT policy, whatever the
// binary started with (build.ts; platform/jit.ts does the same for the main thread).
Bun.unsafe.setJITPolicy(1)
const evaluator = createEvaluator()

self.onmessage = async (e: MessageEvent<DefinitionJob[] | WorkerStart>) => {
  if (!Array.isArray(e.data)) return start(e.data)
  try {
    const outcomes: JobOutcome[] = []
    for (const job of e.data) outcomes.push(await runJob(evaluator, job, true))
    self.postMessage({ outcomes })
  } catch (err) {
    self.postMessage({ failed: describeError(err) })
  }
}

function start(message: WorkerStart): void {
  if (message.module) adoptCompiledModule(message.module)
  evaluator.prepare().then(
    () => self.postMessage({ ready: true }),
    (err: unknown) => self.postMessage({ failed: describeError(err) }),
  )
}
