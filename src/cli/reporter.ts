/**
 * Turns progress events into terminal output on stderr: a redrawn line on a TTY (bytes, rate
 * and ETA for transfers, counts for objects and files, cut to the terminal width), plain lines
 * otherwise, nothing with -q (warnings still show, each distinct one once). Honours NO_COLOR.
 */
import type { ProgressEvent, Report } from '../progress.ts'
import { formatSize } from './format-size.ts'
import { fit, progressLine, type Advance } from './progress-line.ts'

export interface ReporterOptions {
  quiet: boolean
  verbose: boolean
  tty: boolean
  color: boolean
  write: (text: string) => void
  /** Terminal width; 80 when unknown. */
  columns?: number
  /** Milliseconds clock, for rates (injected by tests). */
  now?: () => number
}

/** Redraws closer together than this are skipped (the final state is always drawn). */
const REDRAW_MS = 80

/** A Report that can also clear its redrawn line when the command ends. */
export type TerminalReport = Report & { finish(): void }

export function createReporter(opts: ReporterOptions): TerminalReport {
  const paint = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s)
  const now = opts.now ?? (() => performance.now())
  const columns = () => opts.columns ?? 80
  const warned = new Set<string>()
  const started = new Map<string, { at: number; loaded: number }>()
  let barShown = false
  let lastDraw = -Infinity
  let lastKey = ''
  let lastPlain = ''

  const clearBar = () => {
    if (barShown) opts.write('\r\x1b[2K')
    barShown = false
  }

  /** Bytes per second since the item began, once there is enough to tell. */
  const rateOf = (key: string, e: Advance): number | undefined => {
    const s = started.get(key)
    if (!s) {
      started.set(key, { at: now(), loaded: e.loaded })
      return undefined
    }
    const seconds = (now() - s.at) / 1000
    return seconds >= 0.2 && e.loaded > s.loaded ? (e.loaded - s.loaded) / seconds : undefined
  }

  const advance = (e: Advance) => {
    const key = `${e.phase}\0${e.item ?? ''}`
    const done = e.total !== undefined && e.loaded >= e.total
    const rate = e.unit === 'bytes' ? rateOf(key, e) : undefined
    if (opts.tty) {
      const t = now()
      if (!done && key === lastKey && t - lastDraw < REDRAW_MS) return
      lastDraw = t
      lastKey = key
      opts.write('\r\x1b[2K' + progressLine(e, { rate }, columns()))
      barShown = true
      if (done) clearBar()
      return
    }
    // Without a TTY a line cannot be redrawn: a finished transfer gets one line; with -v,
    // every item gets one as it starts.
    if (done && e.phase === 'fetch' && e.item) opts.write(`  downloaded ${e.item} (${formatSize(e.total!)})\n`)
    else if (opts.verbose && e.item && e.item !== lastPlain) {
      lastPlain = e.item
      opts.write(`  ${e.phase}: ${e.item}\n`)
    }
    if (done) started.delete(key)
  }

  const report = (e: ProgressEvent) => {
    if (e.kind === 'warn') {
      if (warned.has(e.text)) return
      warned.add(e.text)
      clearBar()
      opts.write(`${paint('33', 'warning:')} ${e.text}\n`)
      return
    }
    if (opts.quiet) return
    switch (e.kind) {
      case 'phase':
        clearBar()
        opts.write(`${paint('1', '::')} ${opts.tty ? fit(e.text, columns()) : e.text}\n`)
        return
      case 'info':
        clearBar()
        opts.write(`${e.text}\n`)
        return
      case 'advance':
        advance(e)
    }
  }
  return Object.assign(report, { finish: clearBar })
}
