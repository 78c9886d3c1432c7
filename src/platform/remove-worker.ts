/**
 * Worker thread of remove-tree.ts. Each message is a list of folders: it deletes every entry
 * directly inside them that is not a folder (files, links), leaving the folders, and answers
 * with how many it deleted. Errors are left to the caller's final `rm -r`, which meets the same
 * entry and reports it. It is a build entrypoint of its own (build.ts), so the compiled binary
 * can start it.
 */
import { readdirSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'

declare const self: Worker

self.onmessage = (e: MessageEvent<string[]>) => {
  let removed = 0
  for (const folder of e.data) {
    let names
    try {
      names = readdirSync(folder, { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of names) {
      if (entry.isDirectory()) continue
      try {
        unlinkSync(join(folder, entry.name))
        removed++
      } catch {
        // the caller's rm -r meets it again
      }
    }
  }
  self.postMessage(removed)
}
