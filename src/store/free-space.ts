/**
 * Disk space for an install: checked before anything is extracted, against the installed
 * sizes the index knows (`.size` `install:` figures), and a full disk met anyway (sizes
 * unknown, or the disk filled meanwhile) reported as NO_SPACE (exit 7) naming the folder and
 * the space needed, never as a bug.
 */
import { statfs } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ZoiError, describeError, errnoCode, isZoiError } from '../errors.ts'
import type { Layout } from '../platform/layout.ts'

export interface SpaceNeed {
  name: string
  /** Installed bytes; undefined when the index does not know them. */
  bytes?: number
}

/** Throws NO_SPACE when the known installed sizes exceed what the store's disk has free. */
export async function requireFreeSpace(layout: Layout, needs: readonly SpaceNeed[]): Promise<void> {
  const needed = needs.reduce((sum, n) => sum + (n.bytes ?? 0), 0)
  if (needed === 0) return
  const free = await freeBytes(layout.tmpDir)
  if (free === null || free >= needed) return
  throw new ZoiError('NO_SPACE', `not enough space in ${layout.tmpDir}: the install needs ${formatBytes(needed)}, ${formatBytes(free)} is free`, {
    hint: 'free some space on that disk, or install fewer packages at once',
    data: { path: layout.tmpDir, needed, free },
  })
}

/** ENOSPC/EDQUOT as NO_SPACE naming where it happened; other errors unchanged. */
export function noSpaceError(e: unknown, where: string, needed?: number): unknown {
  const sys = systemError(e)
  const code = errnoCode(sys)
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return e
  const path = (sys as { path?: unknown }).path
  const at = typeof path === 'string' ? path : where
  const need = needed ? `; the install needs about ${formatBytes(needed)}` : ''
  return new ZoiError('NO_SPACE', `no space left on the disk holding ${at}${need} (${describeError(sys)})`, {
    hint: 'free some space on that disk, then try again',
    cause: e,
    data: { path: at, needed: needed ?? null },
  })
}

/** The system error under any wrapping (a ZoiError's code is not an errno). */
function systemError(e: unknown): unknown {
  let cur = e
  for (let depth = 0; depth < 5 && cur; depth++) {
    if (!isZoiError(cur) && errnoCode(cur) !== undefined) return cur
    cur = (cur as { cause?: unknown }).cause
  }
  return e
}

/** Bytes available to this user on the filesystem holding `path` (or its nearest existing parent). */
async function freeBytes(path: string): Promise<number | null> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const st = await statfs(p)
      return Number(st.bavail) * Number(st.bsize)
    } catch {
      if (dirname(p) === p) return null
    }
  }
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}
