/**
 * Worker thread of evaluation-pool.ts: starts its own Lua engine at once and says `ready`, then
 * evaluates each chunk of jobs it is sent and posts the outcomes back in order. If the engine
 * cannot start or fails, it says `failed` and the pool gives the chunk to another thread. It is a
 * build entrypoint of its own (build.ts), so the compiled binary can start it.
 */
import { describeError } from '../errors.ts'
import { createEvaluator } from './evaluator.ts'
import { runJob, type DefinitionJob, type JobOutcome } from './definition-job.ts'

declare const self: Worker

const evaluator = createEvaluator()

self.onmessage = async (e: MessageEvent<DefinitionJob[]>) => {
  try {
    const outcomes: JobOutcome[] = []
    for (const job of e.data) outcomes.push(await runJob(evaluator, job, true))
    self.postMessage({ outcomes })
  } catch (err) {
    self.postMessage({ failed: describeError(err) })
  }
}

evaluator.prepare().then(
  () => self.postMessage({ ready: true }),
  (err: unknown) => self.postMessage({ failed: describeError(err) }),
)
