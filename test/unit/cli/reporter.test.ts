import { describe, expect, test } from 'bun:test'
import { progressLine, duration } from '../../../src/cli/progress-line.ts'
import { createReporter, type ReporterOptions } from '../../../src/cli/reporter.ts'
import type { ProgressEvent } from '../../../src/progress.ts'

function render(events: ProgressEvent[], opts: Partial<ReporterOptions>, clock: number[] = []): string {
  let out = ''
  let tick = 0
  const report = createReporter({ quiet: false, verbose: false, tty: false, color: false, write: (t) => (out += t), now: () => clock[tick++] ?? 0, ...opts })
  for (const e of events) report(e)
  report.finish()
  return out
}

const EVENTS: ProgressEvent[] = [
  { kind: 'phase', phase: 'fetch', text: 'downloading 2 archives' },
  { kind: 'advance', phase: 'fetch', loaded: 50, total: 100, item: 'vim', unit: 'bytes' },
  { kind: 'advance', phase: 'fetch', loaded: 100, total: 100, item: 'vim', unit: 'bytes' },
  { kind: 'warn', text: 'mirror m1 failed' },
  { kind: 'info', text: 'done' },
]

describe('progress rendering', () => {
  test('no TTY: plain lines, one per finished download, no escape codes', () => {
    expect(render(EVENTS, {})).toBe(':: downloading 2 archives\n  downloaded vim (100 B)\nwarning: mirror m1 failed\ndone\n')
  })

  test('no TTY with -v: one line per item', () => {
    const counted: ProgressEvent[] = [{ kind: 'advance', phase: 'index', loaded: 1, total: 2, item: 'core/a', unit: 'packages' }]
    expect(render(counted, { verbose: true })).toBe('  index: core/a\n')
  })

  test('TTY: a redrawn line with bytes that is cleared when complete', () => {
    expect(render(EVENTS, { tty: true })).toBe(
      ':: downloading 2 archives\n' +
        '\r\x1b[2K  download [##########----------]  50% 50 B/100 B  vim' +
        '\r\x1b[2K  download [####################] 100% 100 B/100 B  vim' +
        '\r\x1b[2K' +
        'warning: mirror m1 failed\ndone\n',
    )
  })

  test('TTY: rate and ETA once the transfer has run a while', () => {
    const e: ProgressEvent[] = [
      { kind: 'advance', phase: 'fetch', loaded: 0, total: 4 << 20, item: 'big.pkg.tar.zst', unit: 'bytes' },
      { kind: 'advance', phase: 'fetch', loaded: 1 << 20, total: 4 << 20, item: 'big.pkg.tar.zst', unit: 'bytes' },
    ]
    // clock reads: first event (start, draw), second event (rate, draw)
    const out = render(e, { tty: true, columns: 200 }, [0, 0, 1000, 1000])
    expect(out).toContain('1.0 MiB/4.0 MiB 1.0 MiB/s ETA 3s  big.pkg.tar.zst')
  })

  test('TTY: the line never exceeds the terminal width', () => {
    const e: ProgressEvent = { kind: 'advance', phase: 'fetch', loaded: 5, total: 10, item: 'x'.repeat(200), unit: 'bytes' }
    const out = render([e], { tty: true, columns: 80 })
    for (const line of out.split('\r\x1b[2K')) expect(line.length).toBeLessThanOrEqual(79)
  })

  test('counts for git objects and files', () => {
    expect(progressLine({ kind: 'advance', phase: 'sync', loaded: 12, total: 40, item: 'Receiving objects', unit: 'objects' }, {}, 200)).toBe(
      '  sync     [######--------------]  30% 12/40 objects  Receiving objects',
    )
    expect(progressLine({ kind: 'advance', phase: 'sync', loaded: 3000, item: 'reading folder', unit: 'files' }, {}, 200)).toBe('  sync     3000 files  reading folder')
  })

  test('-q: nothing but warnings', () => {
    expect(render(EVENTS, { quiet: true, tty: true })).toBe('warning: mirror m1 failed\n')
  })

  test('each distinct warning is shown once', () => {
    const w: ProgressEvent = { kind: 'warn', text: 'not installed by zoi: native:perl' }
    expect(render([w, w, w, w], {})).toBe('warning: not installed by zoi: native:perl\n')
  })

  test('colour only when asked (NO_COLOR turns it off in program.ts)', () => {
    expect(render(EVENTS, { color: true })).toContain('\x1b[33mwarning:\x1b[0m')
    expect(render(EVENTS, { color: false })).not.toContain('\x1b[')
  })

  test('durations', () => {
    expect([duration(4.4), duration(185), duration(3720)]).toEqual(['4s', '3m05s', '1h02m'])
  })
})
