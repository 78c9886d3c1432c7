/**
 * Registry sync on a 5,000-package generated registry served over git smart-HTTP on
 * 127.0.0.1: `zoi sync` (clone + index) vs native `git clone --depth 1`, a no-change re-sync
 * vs `git fetch`, and `zoi search` vs `zoi --version`. Printed as ratios.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGitServer } from '../test/support/git-server.ts'
import { makeGitRepo } from '../test/support/make-git-repo.ts'
import { ZOI, median, printTable, timeCommand } from './lib.ts'

const N = 5000

async function timeOnce(cmd: string[], env: Record<string, string> = {}, cwd?: string): Promise<number> {
  const t0 = performance.now()
  const p = Bun.spawn(cmd, { cwd, stdout: 'ignore', stderr: 'pipe', env: { ...process.env, ...env } })
  const code = await p.exited
  if (code !== 0) throw new Error(`${cmd.join(' ')} exited ${code}: ${await new Response(p.stderr).text()}`)
  return performance.now() - t0
}

export async function benchRegistry(): Promise<void> {
  const files: Record<string, string> = { 'repo.yaml': 'name: Bench\n' }
  for (let i = 0; i < N; i++) {
    files[`core/p${i}/p${i}.pkg.lua`] =
      `metadata({ name = "p${i}", repo = "core", version = "1.${i % 9}.0", description = "generated package ${i}", bins = { "p${i}" }, tags = { "bench" } })\n` +
      (i ? `dependencies({ runtime = { "zoi:p${i - 1}@>=1" } })\n` : '')
  }
  const repo = await makeGitRepo(files)
  const server = startGitServer(join(repo, '..'))
  const url = `${server.url}/${repo.split('/').pop()}`
  const scratch = mkdtempSync(join(tmpdir(), 'zoi-bench-reg-'))
  try {
    const syncs: number[] = []
    const clones: number[] = []
    for (let i = 0; i < 3; i++) {
      const home = join(scratch, `home${i}`)
      await timeOnce([ZOI, 'sync', 'set', url], { HOME: home })
      syncs.push(await timeOnce([ZOI, 'sync', '-q'], { HOME: home }))
      clones.push(await timeOnce(['git', 'clone', '-q', '--depth', '1', url, join(scratch, `clone${i}`)]))
    }
    const home = join(scratch, 'home0')
    const resync = await timeCommand([ZOI, 'sync', '-q'], 5, { HOME: home })
    const fetchMs: number[] = []
    for (let i = 0; i < 6; i++) fetchMs.push(await timeOnce(['git', 'fetch', '-q', '--depth', '1', 'origin'], {}, join(scratch, 'clone0')))
    const fetch = median(fetchMs.slice(1))
    const search = await timeCommand([ZOI, 'search', 'p4242'], 20, { HOME: home })
    const startup = await timeCommand([ZOI, '--version'], 20, { HOME: home })
    const sync = median(syncs)
    const clone = median(clones)
    printTable(`registry: ${N} generated packages over git smart-HTTP on 127.0.0.1`, [
      { name: 'zoi sync (first: clone + index)', value: `${sync.toFixed(0)} ms` },
      { name: 'git clone --depth 1', value: `${clone.toFixed(0)} ms` },
      { name: '  ratio (target <= 4x)', value: `${(sync / clone).toFixed(2)}x` },
      { name: 'zoi sync (no change)', value: `${resync.toFixed(0)} ms` },
      { name: 'git fetch (no change)', value: `${fetch.toFixed(0)} ms` },
      { name: '  ratio (target <= 1.5x)', value: `${(resync / fetch).toFixed(2)}x` },
      { name: 'zoi search p4242', value: `${search.toFixed(1)} ms` },
      { name: 'zoi --version', value: `${startup.toFixed(1)} ms` },
      { name: '  ratio (target <= 1.3x)', value: `${(search / startup).toFixed(2)}x` },
    ])
  } finally {
    await server.stop()
    rmSync(scratch, { recursive: true, force: true })
  }
}
