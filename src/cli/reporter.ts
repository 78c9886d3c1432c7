/**
 * Turns progress events into terminal output on stderr: a redrawn bar on a TTY, plain lines
 * otherwise, nothing with -q (warnings still show). Honours NO_COLOR.
 */
import type { ProgressEvent, Report } from '../progress.ts'

export interface ReporterOptions {
  quiet: boolean
  verbose: boolean
  tty: boolean
  color: boolean
  write: (text: string) => void
}

export function createReporter(opts: ReporterOptions): Report {
  const paint = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s)
  let barShown = false
  let lastPlain = ''

  const clearBar = () => {
    if (barShown) opts.write('\r\x1b[2K')
    barShown = false
  }

  return (e: ProgressEvent) => {
    if (e.kind === 'warn') {
      clearBar()
      opts.write(`${paint('33', 'warning:')} ${e.text}\n`)
      return
    }
    if (opts.quiet) return
    switch (e.kind) {
      case 'phase':
        clearBar()
        opts.write(`${paint('1', '::')} ${e.text}\n`)
        return
      case 'info':
        clearBar()
        opts.write(`${e.text}\n`)
        return
      case 'advance': {
        if (opts.tty) {
          opts.write('\r\x1b[2K' + formatBar(e))
          barShown = true
          if (e.total !== undefined && e.loaded >= e.total) clearBar()
        } else if (opts.verbose && e.item && e.item !== lastPlain) {
          // Without a TTY a bar cannot be redrawn: one line per item, only when asked for.
          lastPlain = e.item
          opts.write(`  ${e.phase}: ${e.item}\n`)
        }
      }
    }
  }
}

function formatBar(e: Extract<ProgressEvent, { kind: 'advance' }>): string {
  const width = 24
  const label = e.item ? ` ${e.item}` : ''
  if (!e.total) return `  ${e.phase} ${e.loaded}${label}`
  const frac = Math.max(0, Math.min(1, e.loaded / e.total))
  const filled = Math.round(frac * width)
  return `  ${e.phase} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(frac * 100)}%${label}`
}
