import { expect, test } from 'bun:test'
import { createEvaluator, evaluateJobs, runJob, type DefinitionJob } from '../../../src/lua/index.ts'

const LINUX = { os: 'linux', arch: 'amd64' } as const

function jobs(n: number): DefinitionJob[] {
  return Array.from({ length: n }, (_, i) => {
    const file = `core/p${i}/p${i}.pkg.lua`
    if (i % 97 === 5) return { file, source: 'metadata({ name = ', target: LINUX, folder: {} }
    if (i % 89 === 7) return { file, source: 'INCLUDE("v.lua")\nmetadata({ name = "p' + i + '", version = V })', target: LINUX, folder: { [`core/p${i}/v.lua`]: `V = "${i}.0.0"` } }
    return { file, source: `metadata({ name = "p${i}", versions = { stable = "1.${i % 9}.0" }, tags = { "t${i % 5}" } })`, target: LINUX, folder: {} }
  })
}

test('the same outcomes, in order, whether jobs run on this thread or are shared with workers', async () => {
  const all = jobs(900)
  const evaluator = createEvaluator()
  const alone = []
  for (const job of all) alone.push(await runJob(evaluator, job))
  evaluator.close()
  const progress: number[] = []
  const shared = await evaluateJobs(all, 2, (done) => progress.push(done))
  expect(shared).toEqual(alone)
  expect(progress.at(-1)).toBe(900)
  expect(alone.filter((o) => 'error' in o).length).toBe(10)
  expect(alone[7]).toMatchObject({ spec: { name: 'p7', version: '7.0.0' } })
})
