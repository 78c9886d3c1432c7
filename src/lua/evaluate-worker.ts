/**
 * Worker thread of evaluate-jobs.ts: evaluates the definitions it is sent with its own Lua
 * engine and posts the outcomes back in order (with progress every 100). It is a build
 * entrypoint of its own (build.ts), so the compiled binary can start it.
 */
import { describeError } from '../errors.ts'
import { createEvaluator } from './evaluator.ts'
import { runJob, type DefinitionJob, type JobOutcome } from './evaluate-jobs.ts'

declare const self: Worker

self.onmessage = async (e: MessageEvent<DefinitionJob[]>) => {
  const evaluator = createEvaluator()
  const outcomes: JobOutcome[] = []
  let pending = 0
  try {
    for (const job of e.data) {
      outcomes.push(await runJob(evaluator, job, true))
      if (++pending === 100) {
        self.postMessage({ progress: pending })
        pending = 0
      }
    }
    self.postMessage({ progress: pending, outcomes })
  } catch (err) {
    // The engine itself failed (it did not start here): the caller evaluates these jobs itself.
    self.postMessage({ failed: describeError(err) })
  } finally {
    evaluator.close()
  }
}
