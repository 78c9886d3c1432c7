/** Shared helpers for the src/lua tests: one evaluator per test file and a way to see its errors. */
export { zoiFailure as failureOf } from '../../support/expect-error.ts'
import type { EvaluateInput, Evaluator, PackageSpec, TargetPlatform } from '../../../src/lua/index.ts'

export const LINUX: TargetPlatform = { os: 'linux', arch: 'amd64' }
export const WINDOWS: TargetPlatform = { os: 'windows', arch: 'amd64' }

export type Extra = Partial<Omit<EvaluateInput, 'source'>>

export function evaluateWith(evaluator: Evaluator, source: string, extra: Extra = {}): Promise<PackageSpec> {
  return evaluator.evaluate({ source, file: 'core/x/x.pkg.lua', target: LINUX, ...extra })
}

