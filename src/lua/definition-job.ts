/**
 * One definition to evaluate as a job (its text and the files INCLUDE may read), and its
 * outcome: a PackageSpec or the one-line error an index row shows.
 */
import { posix } from 'node:path'
import { describeError, isZoiError } from '../errors.ts'
import type { Evaluator, TargetPlatform } from './evaluator.ts'
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
