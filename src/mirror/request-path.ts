/**
 * Turning a request path into a file inside the served folder, as pure string logic first:
 * each segment is percent-decoded on its own, and `..`, `.`, empty-after-decoding, embedded
 * slashes or backslashes, NUL and hidden (dot) names are refused before any file is touched.
 * The served folder's private state (locks, staging) lives in dot-names, so it is never served.
 */
import { realpath } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'

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
 * The real path of `segments` under `root`, or undefined when it does not exist, or when
 * symlinks lead outside `root` or into a dot-name inside it (the private `.zoi/` state): the
 * request path is checked as a string above, and its real target is checked again here, so a
 * link planted in the folder (`pkgs/x -> ../.zoi`) cannot serve what the path alone may not.
 * Links to regular places inside the mirror (the flat `archives/` view) are fine.
 */
export async function resolveInside(root: string, segments: readonly string[]): Promise<string | undefined> {
  const realRoot = await realpath(root)
  const real = await realpath(join(realRoot, ...segments)).catch(() => undefined)
  if (real === undefined) return undefined
  if (real === realRoot) return real
  if (!real.startsWith(realRoot + sep)) return undefined
  const hidden = relative(realRoot, real).split(sep).some((seg) => seg.startsWith('.'))
  return hidden ? undefined : real
}
