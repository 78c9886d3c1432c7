/**
 * Registries of 1k and 10k generated definitions (50k with BENCH_50K=1), each with a dependency
 * and two channels, served over git smart-HTTP on 127.0.0.1. Measured against git itself: first
 * `zoi sync` vs `git clone`, re-sync after 10 changed definitions vs `git fetch` of the same
 * commit; and the queries (`list --all`, `search`, `show`) against `zoi --version`.
 */
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { startGitServer } from '../test/support/git-server.ts'
import { commitChanges, makeGitRepo } from '../test/support/make-git-repo.ts'
import { FreshDirs, ZOI, compare, runOnce, step, type Row } from './lib.ts'

function definition(i: number, n: number, release: number): string {
  const deps = i + 1 < n ? `dependencies({ runtime = { "zoi:p${i + 1}@>=1", "native:zlib" } })\n` : ''
  return (
    `metadata({ name = "p${i}", repo = "core", versions = { stable = "1.${i % 9}.${release}", beta = "2.0.${release}-beta" }, ` +
    `description = "generated package ${i} for the bench", bins = { "p${i}" }, tags = { "bench", "t${i % 50}" } })\n${deps}`
  )
}

async function benchSize(work: string, n: number, rows: Row[]): Promise<void> {
  step(`registry ${n}: generating`)
  const files: Record<string, string> = { 'repo.yaml': 'name: Bench\nrepos:\n  - {name: core, active: true}\n' }
  for (let i = 0; i < n; i++) files[`core/p${i}/p${i}.pkg.lua`] = definition(i, n, 0)
  const repo = await makeGitRepo(files)
  const server = startGitServer(join(repo, '..'))
  const url = `${server.url}/${repo.split('/').pop()}`
  const scratch = mkdtempSync(join(work, `registry${n}-`))
  const rounds = 3
  try {
    let k = 0
    let home = ''
    const clones = new FreshDirs(scratch, 'clone')
    let clone = ''
    step(`registry ${n}: first sync vs git clone`)
    rows.push(
      await compare(
        `first \`zoi sync\` of ${n.toLocaleString('en')} definitions vs \`git clone\``,
        '≤ 2×',
        2,
        {
          cmd: [ZOI, 'sync', '-q'],
          before: async () => {
            home = join(scratch, `home${k++}`)
            await runOnce({ cmd: [ZOI, 'sync', 'set', url], env: { HOME: home } })
          },
          get env() {
            return { HOME: home }
          },
        },
        {
          get cmd() {
            return ['git', 'clone', '-q', url, clone]
          },
          before: () => void (clone = clones.next()),
        },
        rounds,
        0,
        false,
        { alternate: true },
      ),
    )
    // `home` and `clone` now both hold the current head. Each round commits 10 changed
    // definitions, then both fetch that commit. Which one goes first alternates, so that neither
    // always runs right after the commit, whose writes the disk may still be flushing (an earlier
    // build of zoi measured 6-12 ms slower when always first; this order is fair to both).
    step(`registry ${n}: re-sync after 10 changed definitions vs git fetch`)
    let release = 0
    rows.push(
      await compare(
        `re-sync after 10 changed definitions (${n.toLocaleString('en')}) vs \`git fetch\``,
        '≤ 1.5×',
        1.5,
        { cmd: [ZOI, 'sync', '-q'], env: { HOME: home } },
        { cmd: ['git', '-C', clone, 'fetch', '-q', 'origin'] },
        n <= 10_000 ? 10 : 4,
        0,
        false,
        {
          alternate: true,
          setup: async () => {
            release++
            const changed: Record<string, string> = {}
            for (let j = 0; j < 10; j++) {
              const i = (release * 97 + j * 1013) % n
              changed[`core/p${i}/p${i}.pkg.lua`] = definition(i, n, release)
            }
            await commitChanges(repo, changed)
          },
        },
      ),
    )
    const version: { cmd: string[]; env: Record<string, string> } = { cmd: [ZOI, '--version'], env: { HOME: home } }
    step(`registry ${n}: queries`)
    rows.push(await compare(`\`zoi list --all\` (${n.toLocaleString('en')}) vs \`zoi --version\``, '≤ 3×', 3, { cmd: [ZOI, 'list', '--all'], env: { HOME: home } }, version, 5, 1, true))
    rows.push(await compare(`\`zoi search t7\` (${n.toLocaleString('en')}) vs \`zoi --version\``, '≤ 3×', 3, { cmd: [ZOI, 'search', 't7'], env: { HOME: home } }, version, 5, 1, true))
    rows.push(await compare(`\`zoi show p42\` (${n.toLocaleString('en')}) vs \`zoi --version\``, '≤ 3×', 3, { cmd: [ZOI, 'show', 'p42'], env: { HOME: home } }, version, 5, 1, true))
  } finally {
    await server.stop()
  }
}

/** The homes and clones stay in `work`, the generated repositories in the temp folder, until the bench ends (run.ts; see `FreshDirs`). */
export async function benchRegistry(work: string): Promise<Row[]> {
  const rows: Row[] = []
  const sizes = [1000, 10_000, ...(process.env.BENCH_50K ? [50_000] : [])]
  for (const n of sizes) await benchSize(work, n, rows)
  return rows
}
