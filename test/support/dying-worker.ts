/**
 * A worker that writes part of its job's destination, then exits: stands in for an extraction
 * thread that crashes half way.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

declare const self: Worker
self.onmessage = (e: MessageEvent<{ destDir: string }>) => {
  mkdirSync(join(e.data.destDir, 'data'), { recursive: true })
  writeFileSync(join(e.data.destDir, 'data', 'half-written'), 'x')
  process.exit(3)
}
