import { describe, expect, test } from 'bun:test'
import { createReporter, type ReporterOptions } from '../../../src/cli/reporter.ts'
import type { ProgressEvent } from '../../../src/progress.ts'

function render(events: ProgressEvent[], opts: Partial<ReporterOptions>): string {
  let out = ''
  const report = createReporter({ quiet: false, verbose: false, tty: false, color: false, write: (t) => (out += t), ...opts })
  for (const e of events) report(e)
  return out
}

const EVENTS: ProgressEvent[] = [
  { kind: 'phase', phase: 'fetch', text: 'downloading 2 archives' },
  { kind: 'advance', phase: 'fetch', loaded: 50, total: 100, item: 'vim' },
  { kind: 'advance', phase: 'fetch', loaded: 100, total: 100, item: 'vim' },
  { kind: 'warn', text: 'mirror m1 failed' },
  { kind: 'info', text: 'done' },
]

describe('progress rendering', () => {
  test('no TTY: plain lines, no bar, no escape codes', () => {
    expect(render(EVENTS, {})).toBe(':: downloading 2 archives\nwarning: mirror m1 failed\ndone\n')
  })

  test('no TTY with -v: one line per item', () => {
    expect(render(EVENTS, { verbose: true })).toBe(':: downloading 2 archives\n  fetch: vim\nwarning: mirror m1 failed\ndone\n')
  })

  test('TTY: a redrawn bar that is cleared when complete', () => {
    expect(render(EVENTS, { tty: true })).toBe(
      ':: downloading 2 archives\n' +
        '\r\x1b[2K  fetch [############------------] 50% vim' +
        '\r\x1b[2K  fetch [########################] 100% vim' +
        '\r\x1b[2K' +
        'warning: mirror m1 failed\ndone\n',
    )
  })

  test('-q: nothing but warnings', () => {
    expect(render(EVENTS, { quiet: true, tty: true })).toBe('warning: mirror m1 failed\n')
  })

  test('colour only when asked (NO_COLOR turns it off in program.ts)', () => {
    expect(render(EVENTS, { color: true })).toContain('\x1b[33mwarning:\x1b[0m')
    expect(render(EVENTS, { color: false })).not.toContain('\x1b[')
  })
})
