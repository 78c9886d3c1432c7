/**
 * Evaluating many definitions on several cores: worker threads (evaluate-worker.ts), each with
 * its own Lua engine, and the calling thread share one queue of jobs, taken in chunks. Workers
 * start (and load their engine) as soon as the pool exists, so a caller that is still reading
 * definitions hands them work as it goes; the calling thread joins in finish(). Whoever is free
 * takes the next chunk, so a worker on a busy core simply does less. Outcomes come back in job
 * order whoever evaluated them; a worker that cannot start or dies gives its chunk back.
 */
import { createEvaluator } from './evaluator.ts'
import { runJob, type DefinitionJob, type JobOutcome } from './definition-job.ts'
import { compiledLuaModule } from './lua-module.ts'
import type { WorkerStart } from './evaluate-worker.ts'
import { workerEntry } from '../worker-entry.ts'

/** Jobs per message to a worker: a few ms of work, so the last chunk does not keep anyone waiting long. */
const WORKER_CHUNK = 64
/** The calling thread takes smaller bites, so it never holds up the end for long either. */
const OWN_CHUNK = 16

export interface EvaluationPool {
  /** Queues a job; its outcome is at the same index of finish()'s result. */
  add(job: DefinitionJob): void
  /** Evaluates what is left on this thread too; outcomes in the order the jobs were added. */
  finish(onDone?: (done: number) => void): Promise<JobOutcome[]>
  /** Stops the workers (finish() does this itself). */
  close(): void
}

interface Helper {
  worker: Worker
  ready: boolean
  /** The chunk it is evaluating: [from, to). */
  busy?: [number, number]
}

export function startEvaluationPool(workers: number): EvaluationPool {
  const jobs: DefinitionJob[] = []
  const out: JobOutcome[] = []
  const returned: [number, number][] = []
  let next = 0
  let done = 0
  let adding = true
  let report: ((done: number) => void) | undefined
  let wake: (() => void) | undefined
  const helpers = new Set<Helper>()

  function completed(from: number, outcomes: JobOutcome[]): void {
    for (const [i, outcome] of outcomes.entries()) out[from + i] = outcome
    done += outcomes.length
    report?.(done)
    wake?.()
  }

  /** The next chunk of at most `size` jobs, or undefined when there is none (yet). */
  function take(size: number): [number, number] | undefined {
    const back = returned.pop()
    if (back) return back
    const left = jobs.length - next
    if (left === 0 || (adding && left < size)) return undefined
    const chunk: [number, number] = [next, next + Math.min(size, left)]
    next = chunk[1]
    return chunk
  }

  function feed(): void {
    for (const helper of helpers) {
      if (!helper.ready || helper.busy) continue
      const chunk = take(WORKER_CHUNK)
      if (!chunk) return
      helper.busy = chunk
      helper.worker.postMessage(jobs.slice(chunk[0], chunk[1]))
    }
  }

  function retire(helper: Helper): void {
    if (!helpers.delete(helper)) return
    if (helper.busy) returned.push(helper.busy)
    helper.worker.terminate()
    wake?.()
  }

  // Workers start on this thread's compiled module (loading it now if need be): see evaluate-worker.ts.
  const module = workers > 0 ? compiledLuaModule() : undefined
  for (let i = 0; i < workers; i++) {
    let worker: Worker
    try {
      worker = new Worker(workerEntry('lua/evaluate-worker.ts', import.meta.url))
    } catch {
      break // no workers here: this thread does it all
    }
    const helper: Helper = { worker, ready: false }
    helpers.add(helper)
    worker.onmessage = (e: MessageEvent<{ ready?: true; outcomes?: JobOutcome[]; failed?: string }>) => {
      if (!helpers.has(helper)) return // retired: its chunk went back to the queue
      if (e.data.failed !== undefined) return retire(helper)
      if (e.data.outcomes && helper.busy) {
        const [from] = helper.busy
        helper.busy = undefined
        completed(from, e.data.outcomes)
      }
      if (e.data.ready) helper.ready = true
      feed()
    }
    worker.onerror = () => retire(helper)
    worker.addEventListener('close', () => retire(helper))
    void module!.then((m) => {
      if (!helpers.has(helper)) return
      try {
        worker.postMessage({ module: m } satisfies WorkerStart)
      } catch {
        worker.postMessage({} satisfies WorkerStart) // a runtime that cannot pass a module: the worker compiles its own
      }
    })
  }

  function close(): void {
    for (const helper of [...helpers]) {
      helpers.delete(helper)
      helper.worker.terminate()
    }
  }

  async function finish(onDone?: (done: number) => void): Promise<JobOutcome[]> {
    adding = false
    report = onDone
    if (done > 0) report?.(done)
    feed()
    const evaluator = createEvaluator()
    try {
      while (done < jobs.length) {
        const chunk = take(OWN_CHUNK)
        if (!chunk) {
          await new Promise<void>((resolve) => (wake = resolve))
          wake = undefined
          continue
        }
        const outcomes: JobOutcome[] = []
        for (let i = chunk[0]; i < chunk[1]; i++) outcomes.push(await runJob(evaluator, jobs[i]!))
        completed(chunk[0], outcomes)
        // Evaluation only awaits settled promises: let the workers' messages in between chunks.
        if (helpers.size > 0) await new Promise((resolve) => setImmediate(resolve))
      }
    } finally {
      evaluator.close()
      close()
    }
    return out
  }

  return {
    add(job) {
      jobs.push(job)
      if (jobs.length - next >= WORKER_CHUNK) feed()
    },
    finish,
    close,
  }
}
