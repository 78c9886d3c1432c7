/**
 * Evaluating many definitions at once (a sync of a large registry): how many worker threads a
 * batch is worth, and the entry points onto evaluation-pool.ts, which shares the jobs between
 * this thread and the workers. Same function, same results, in the same order, however shared.
 */
import type { DefinitionJob, JobOutcome } from './definition-job.ts'
import { startEvaluationPool, type EvaluationPool } from './evaluation-pool.ts'

/** A worker pays for its own Lua engine (tens of ms): below this many jobs it cannot win that back. */
const MIN_JOBS_FOR_WORKERS = 400
/** Each worker holds its own VM and wasm memory: a few are plenty. */
const MAX_WORKERS = 3

/**
 * How many worker threads `jobs` definitions are worth on `cores` cores (the caller asks the
 * OS): one per other core, none for a small batch. Not the load average: it lags a minute
 * behind (a git clone that just ended still counts), and a worker on a busy core costs little
 * more than its start, since it takes work by the chunk.
 */
export function workersFor(jobs: number, cores: number): number {
  return jobs < MIN_JOBS_FOR_WORKERS ? 0 : Math.max(0, Math.min(MAX_WORKERS, cores - 1))
}

/**
 * A pool for about `expected` jobs, its workers starting now: add() the jobs as they are read,
 * then finish(). Workers begin evaluating while the caller still reads.
 */
export function startEvaluation(expected: number, cores: number): EvaluationPool {
  return startEvaluationPool(workersFor(expected, cores))
}

/** Outcomes in job order, using up to `workers` worker threads besides this one. */
export async function evaluateJobs(jobs: DefinitionJob[], workers: number, onDone?: (done: number) => void): Promise<JobOutcome[]> {
  const pool = startEvaluationPool(workers)
  for (const job of jobs) pool.add(job)
  return pool.finish(onDone)
}
