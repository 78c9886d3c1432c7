/**
 * `npm run bench`: builds dist/zoi (via the npm script) and measures the whole table of issue 15
 * in one run; `bun bench/run.ts startup registry` runs some sections
 * (`shapes`: install of one big file and of many tiny files vs pacman; `removal`: uninstall of many
 * tiny files vs installing them, after every section that times creating files). BENCH_50K=1 adds the 50k
 * registry; BENCH_BIG_MB, BENCH_INSTALL_MB, BENCH_MANY and BENCH_TINY size the payloads. The table is printed
 * and written to bench/out/results.md (the form the README quotes).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchArchive } from './archive.ts'
import { benchBundle } from './bundle.ts'
import { benchInstall } from './install.ts'
import { benchInstallShapes } from './install-shapes.ts'
import { benchMemory } from './memory.ts'
import { step, writeReport, type Row } from './lib.ts'
import { benchRegistry } from './registry.ts'
import { benchRemoval } from './removal.ts'
import { benchServe } from './serve.ts'
import { benchStartup } from './startup.ts'
import { removeTempDirs } from '../test/support/make-git-repo.ts'

const SECTIONS: Record<string, (work: string) => Promise<Row[]>> = {
  startup: benchStartup,
  archive: benchArchive,
  install: benchInstall,
  shapes: benchInstallShapes,
  registry: benchRegistry,
  removal: benchRemoval,
  memory: async () => (await benchMemory(), []),
  bundle: benchBundle,
  serve: benchServe,
}

const wanted = process.argv.slice(2)
const work = mkdtempSync(join(tmpdir(), 'zoi-bench-'))
const rows: Row[] = []
try {
  for (const [name, run] of Object.entries(SECTIONS)) {
    if (wanted.length && !wanted.includes(name)) continue
    rows.push(...(await run(work)))
  }
} finally {
  if (rows.length) {
    const cpu = (await Bun.file('/proc/cpuinfo').text().catch(() => '')).match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU'
    writeReport(rows, `zoi bench, ${new Date().toISOString().slice(0, 16)}Z, ${navigator.hardwareConcurrency} cores (${cpu}); ratios per interleaved round`)
  }
  // Every root, clone and checkout of the run is still here (see FreshDirs): millions of files
  // with BENCH_TINY=200000; and the registries the registry section generated.
  step(`removing ${work}`)
  rmSync(work, { recursive: true, force: true })
  await removeTempDirs()
}
