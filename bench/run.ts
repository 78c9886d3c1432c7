/**
 * `npm run bench`: builds dist/zoi (via the npm script) and runs every benchmark section.
 * `bun bench/run.ts startup` runs one section.
 */
import { benchStartup } from './startup.ts'

const SECTIONS: Record<string, () => Promise<void>> = {
  startup: benchStartup,
}

const wanted = process.argv.slice(2)
for (const [name, run] of Object.entries(SECTIONS)) {
  if (wanted.length && !wanted.includes(name)) continue
  await run()
}
