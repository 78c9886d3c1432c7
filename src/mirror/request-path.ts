/**
 * Turning a request path into a file inside the served folder, as pure string logic first:
 * each segment is percent-decoded on its own, and `..`, `.`, empty-after-decoding, embedded
 * slashes or backslashes, NUL and hidden (dot) names are refused before any file is touched.
 * The served folder's private state (locks, staging) lives in dot-names, so it is never served.
 */
import { realpath } from 'node:fs/promises'
import { join, sep } from 'node:path'

export type PathVerdict = { ok: true; segments: string[] } | { ok: false; status: 400 | 403 | 404; reason: string }

export function splitRequestPath(pathname: string): PathVerdict {
  const segments: string[] = []
  for (const raw of pathname.split('/')) {
    if (raw === '') continue
    let seg: string
    try {
      seg = decodeURIComponent(raw)
    } catch {
      return { ok: false, status: 400, reason: 'bad percent-encoding in the path' }
    }
    if (seg === '..' || seg === '.') return { ok: false, status: 403, reason: 'path traversal refused' }
    if (/[/\\\0]/.test(seg)) return { ok: false, status: 403, reason: 'path traversal refused' }
    if (seg.startsWith('.')) return { ok: false, status: 404, reason: 'not found' }
    segments.push(seg)
  }
  return { ok: true, segments }
}

/**
 * The real path of `segments` under `root`, or undefined when it does not exist or a symlink
 * leads outside `root` (links inside the mirror, e.g. a flat view of pkgs/, are fine).
 */
export async function resolveInside(root: string, segments: readonly string[]): Promise<string | undefined> {
  const realRoot = await realpath(root)
  const real = await realpath(join(realRoot, ...segments)).catch(() => undefined)
  if (real === undefined) return undefined
  return real === realRoot || real.startsWith(realRoot + sep) ? real : undefined
}
