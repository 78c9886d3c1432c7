import { expect, test } from 'bun:test'
import { createEvaluator, evaluateJobs, runJob, startEvaluation, workersFor, type DefinitionJob, type JobOutcome } from '../../../src/lua/index.ts'

const LINUX = { os: 'linux', arch: 'amd64' } as const

function jobs(n: number): DefinitionJob[] {
  return Array.from({ length: n }, (_, i) => {
    const file = `core/p${i}/p${i}.pkg.lua`
    if (i % 97 === 5) return { file, source: 'metadata({ name = ', target: LINUX, folder: {} }
    if (i % 89 === 7) return { file, source: 'INCLUDE("v.lua")\nmetadata({ name = "p' + i + '", version = V })', target: LINUX, folder: { [`core/p${i}/v.lua`]: `V = "${i}.0.0"` } }
    return { file, source: `metadata({ name = "p${i}", versions = { stable = "1.${i % 9}.0" }, tags = { "t${i % 5}" } })`, target: LINUX, folder: {} }
  })
}

/** The outcomes of `all` evaluated one by one on this thread: what any sharing must give. */
async function alone(all: DefinitionJob[]): Promise<JobOutcome[]> {
  const evaluator = createEvaluator()
  const out: JobOutcome[] = []
  for (const job of all) out.push(await runJob(evaluator, job))
  evaluator.close()
  return out
}

test('the same outcomes, in order, whether jobs run on this thread or are shared with workers', async () => {
  const all = jobs(900)
  const expected = await alone(all)
  const progress: number[] = []
  const shared = await evaluateJobs(all, 2, (done) => progress.push(done))
  expect(shared).toEqual(expected)
  expect(progress.at(-1)).toBe(900)
  expect(expected.filter((o) => 'error' in o).length).toBe(10)
  expect(expected[7]).toMatchObject({ spec: { name: 'p7', version: '7.0.0' } })
})

test('jobs added while the workers start, as a sync reads them, come back complete and in order', async () => {
  const all = jobs(700)
  const expected = await alone(all)
  const pool = startEvaluation(all.length, 2)
  for (const [i, job] of all.entries()) {
    pool.add(job)
    if (i % 50 === 0) await Bun.sleep(1) // reading takes time: workers may take chunks meanwhile
  }
  const progress: number[] = []
  expect(await pool.finish((done) => progress.push(done))).toEqual(expected)
  expect(progress.at(-1)).toBe(700)
})

test('workers: one per other core, at most three, none for a small batch', () => {
  expect(workersFor(100, 8)).toBe(0)
  expect(workersFor(5000, 1)).toBe(0)
  expect(workersFor(5000, 2)).toBe(1)
  expect(workersFor(5000, 16)).toBe(3)
})
