/**
 * `npm run bench`: builds dist/zoi (via the npm script) and runs every benchmark section.
 * `bun bench/run.ts startup` runs one section.
 */
import { benchArchive } from './archive.ts'
import { benchInstall } from './install.ts'
import { benchMemory } from './memory.ts'
import { benchRegistry } from './registry.ts'
import { benchStartup } from './startup.ts'

const SECTIONS: Record<string, () => Promise<void>> = {
  startup: benchStartup,
  registry: benchRegistry,
  archive: benchArchive,
  install: benchInstall,
  memory: benchMemory,
}

const wanted = process.argv.slice(2)
for (const [name, run] of Object.entries(SECTIONS)) {
  if (wanted.length && !wanted.includes(name)) continue
  await run()
}
