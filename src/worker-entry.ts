/** Where a worker thread's entrypoint is, run from the sources or from the compiled binary. */
import { fileURLToPath } from 'node:url'

/**
 * Inside the compiled binary an entrypoint (build.ts lists them) lives at its path relative to
 * the entrypoints' common folder (src/), under the binary's own file root; a URL relative to the
 * calling module would point next to a bundle chunk instead. Run from the sources, it is the
 * file beside the caller.
 *
 * @param path the entrypoint below src/, e.g. `lua/evaluate-worker.ts`
 * @param callerUrl `import.meta.url` of a module in the entrypoint's own folder
 */
export function workerEntry(path: string, callerUrl: string): string {
  const root = callerUrl.match(/^.*?(?:\$bunfs|~BUN)\/root\//)?.[0]
  // A plain path: Bun resolves a file: URL into the binary's own files only for imports.
  if (root) return fileURLToPath(`${root}${path}`)
  return new URL(`./${path.split('/').pop()}`, callerUrl).href
}
