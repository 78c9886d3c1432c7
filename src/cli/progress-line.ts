/**
 * One progress line: phase, bar, amount (bytes with rate and ETA, or counted objects/files),
 * and the item, cut to the terminal width so a redraw never wraps and leaves debris behind.
 */
import type { ProgressEvent } from '../progress.ts'
import { formatSize } from './format-size.ts'

export type Advance = Extract<ProgressEvent, { kind: 'advance' }>

export interface Speed {
  /** Bytes per second so far, when it can be told. */
  rate?: number
}

const LABELS: Record<string, string> = { fetch: 'download', extract: 'extract', commit: 'install', index: 'index', sync: 'sync', build: 'build', mirror: 'mirror', verify: 'verify', resolve: 'resolve' }

export function progressLine(e: Advance, speed: Speed, columns: number): string {
  const label = (LABELS[e.phase] ?? e.phase).padEnd(8)
  const frac = e.total ? Math.max(0, Math.min(1, e.loaded / e.total)) : undefined
  const bar = frac === undefined ? '' : ` [${'#'.repeat(Math.round(frac * 20)).padEnd(20, '-')}] ${String(Math.round(frac * 100)).padStart(3)}%`
  const parts = [`  ${label}${bar}`, amount(e, speed)].filter(Boolean)
  const head = fit(parts.join(' '), columns)
  if (!e.item) return head
  // The end of an item (a file name, a path) tells the most: cut it from the front.
  const room = Math.max(20, columns - 1) - head.length - 2
  if (room < 4) return head
  return `${head}  ${e.item.length <= room ? e.item : `…${e.item.slice(e.item.length - room + 1)}`}`
}

function amount(e: Advance, speed: Speed): string {
  if (e.unit === 'bytes') {
    const done = e.total ? `${formatSize(e.loaded)}/${formatSize(e.total)}` : formatSize(e.loaded)
    if (!speed.rate) return done
    const eta = e.total && e.loaded < e.total ? ` ETA ${duration((e.total - e.loaded) / speed.rate)}` : ''
    return `${done} ${formatSize(Math.round(speed.rate))}/s${eta}`
  }
  const noun = e.unit ?? ''
  return `${e.loaded}${e.total ? `/${e.total}` : ''}${noun ? ` ${noun}` : ''}`
}

/** `42s`, `3m05s`, `1h02m`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** Cut to one character less than the width (the last column would wrap on some terminals). */
export function fit(line: string, columns: number): string {
  const max = Math.max(20, columns - 1)
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`
}
