/**
 * Preloaded before every test file (bunfig.toml): the whole run's temporary folders go into ONE
 * folder of the system's temp dir, removed when the run ends, so a run leaves nothing behind
 * whatever each file cleans up itself (or a file that failed half-way did not). ZOI_KEEP_TMP=1
 * keeps it for debugging (its path is printed).
 */
import { afterAll } from 'bun:test'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = mkdtempSync(join(tmpdir(), 'zoi-test-run-'))
// Searchable by all, as the system's temp dir is: a test that runs zoi as another user (nobody) reaches its folders.
chmodSync(root, 0o755)
process.env.TMPDIR = root

afterAll(() => {
  if (process.env.ZOI_KEEP_TMP) return console.log(`kept the run's temporary folders in ${root}`)
  rmSync(root, { recursive: true, force: true })
})
