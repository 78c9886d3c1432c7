/**
 * Evaluating many definitions at once (a sync of a large registry) on several cores: the jobs
 * are split between the calling thread and worker threads (evaluate-worker.ts), each with its
 * own Lua engine, in contiguous runs so results come back in order. Below a few hundred jobs per
 * worker, with no worker allowed, or where a worker cannot start, everything runs on the calling
 * thread: same function, same results.
 */
import { posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeError, isZoiError } from '../errors.ts'
import { createEvaluator, type Evaluator, type TargetPlatform } from './evaluator.ts'
import type { PackageSpec } from './package-spec.ts'

/** One definition to evaluate: its text and the other `.lua` files of its folder (for INCLUDE). */
export interface DefinitionJob {
  file: string
  source: string
  target: TargetPlatform
  /** Registry path → text of the files INCLUDE may read. */
  folder: Record<string, string>
}

export type JobOutcome = { spec: PackageSpec } | { error: string }

/** Worker threads pay a Lua engine start-up (tens of ms) each: only worth it for a large batch. */
const MIN_JOBS_PER_WORKER = 400

/**
 * Evaluates one job; a failure becomes its one-line message, as an index error row shows it.
 * With `strict`, a failure of the evaluator itself (INTERNAL: the VM did not start) is thrown.
 */
export async function runJob(evaluator: Evaluator, job: DefinitionJob, strict = false): Promise<JobOutcome> {
  try {
    const dir = posix.dirname(job.file)
    const spec = await evaluator.evaluate({
      source: job.source,
      file: job.file,
      target: job.target,
      include: (rel) => job.folder[posix.normalize(posix.join(dir, rel))],
    })
    return { spec }
  } catch (e) {
    if (strict && isZoiError(e, 'INTERNAL')) throw e
    return { error: isZoiError(e) ? e.message : `${job.file}: ${describeError(e)}` }
  }
}

/**
 * Outcomes in job order, using up to `workers` worker threads besides this one (the caller
 * knows how many cores are idle); `onDone` is called with the count finished so far.
 */
export async function evaluateJobs(jobs: DefinitionJob[], workers: number, onDone?: (done: number) => void): Promise<JobOutcome[]> {
  workers = Math.max(0, Math.min(workers, Math.floor(jobs.length / MIN_JOBS_PER_WORKER)))
  const share = Math.ceil(jobs.length / (workers + 1))
  const out: JobOutcome[] = new Array(jobs.length)
  let done = 0
  const finished = (n: number) => onDone?.((done += n))
  const runs: Promise<void>[] = []
  for (let w = 1; w <= workers; w++) {
    const from = w * share
    runs.push(inWorker(jobs.slice(from, from + share), finished).then((r) => r.forEach((o, i) => (out[from + i] = o))))
  }
  const evaluator = createEvaluator()
  try {
    const mine = jobs.slice(0, share)
    for (const [i, job] of mine.entries()) {
      out[i] = await runJob(evaluator, job)
      finished(1)
    }
  } finally {
    evaluator.close()
  }
  await Promise.all(runs)
  return out
}

/**
 * Inside the compiled binary a worker entrypoint (see build.ts) lives at its path relative to
 * the entrypoints' common folder (src/), under the binary's own file root; a URL relative to
 * this module would point next to a bundle chunk instead.
 */
function workerEntry(): string {
  const url = import.meta.url
  const root = url.match(/^.*?(?:\$bunfs|~BUN)\/root\//)?.[0]
  // A plain path: Bun resolves a file: URL into the binary's own files only for imports.
  return root ? fileURLToPath(`${root}lua/evaluate-worker.ts`) : new URL('./evaluate-worker.ts', url).href
}

/** Runs jobs in a worker; if the worker cannot start or dies, on this thread instead. */
async function inWorker(jobs: DefinitionJob[], finished: (n: number) => void): Promise<JobOutcome[]> {
  let worker: Worker
  try {
    worker = new Worker(workerEntry())
  } catch {
    return await onThisThread(jobs, finished)
  }
  try {
    return await new Promise<JobOutcome[]>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<{ progress?: number; outcomes?: JobOutcome[]; failed?: string }>) => {
        if (e.data.progress) finished(e.data.progress)
        if (e.data.outcomes) resolve(e.data.outcomes)
        if (e.data.failed) reject(new Error(e.data.failed))
      }
      worker.onerror = (e) => reject(e)
      worker.postMessage(jobs)
    })
  } catch {
    return await onThisThread(jobs, () => {})
  } finally {
    worker.terminate()
  }
}

async function onThisThread(jobs: DefinitionJob[], finished: (n: number) => void): Promise<JobOutcome[]> {
  const evaluator = createEvaluator()
  try {
    const out: JobOutcome[] = []
    for (const job of jobs) {
      out.push(await runJob(evaluator, job))
      finished(1)
    }
    return out
  } finally {
    evaluator.close()
  }
}
