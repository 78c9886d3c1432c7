/** Shared helpers for the src/lua tests: one evaluator per test file and a way to see its errors. */
import { isZoiError, type ZoiError } from '../../../src/errors.ts'
import type { EvaluateInput, Evaluator, PackageSpec, TargetPlatform } from '../../../src/lua/index.ts'

export const LINUX: TargetPlatform = { os: 'linux', arch: 'amd64' }
export const WINDOWS: TargetPlatform = { os: 'windows', arch: 'amd64' }

export type Extra = Partial<Omit<EvaluateInput, 'source'>>

export function evaluateWith(evaluator: Evaluator, source: string, extra: Extra = {}): Promise<PackageSpec> {
  return evaluator.evaluate({ source, file: 'core/x/x.pkg.lua', target: LINUX, ...extra })
}

/** The ZoiError an evaluation fails with; fails the test when it succeeds or throws anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<ZoiError> {
  try {
    await promise
  } catch (e) {
    if (isZoiError(e)) return e
    throw e
  }
  throw new Error('expected the evaluation to fail, but it succeeded')
}
