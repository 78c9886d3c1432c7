/**
 * Issue #16 point 4: progress on a terminal is one redrawn line with bytes for downloads and
 * extraction and counts for git objects, never wider than the terminal; without a terminal
 * plain lines; with -q nothing.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { type StaticServer } from '../support/static-server.ts'
import { servedExampleRegistry } from '../support/example-registry.ts'
import { formatResult, makeTempDir, runCommand, runZoi, ZOI_BIN } from '../support/run-cli.ts'

const SCRIPT = Bun.which('script', { PATH: `${process.env.PATH}:/usr/bin` })
let registry = ''
let server: StaticServer | undefined
beforeAll(async () => {
  const r = await servedExampleRegistry()
  registry = r.dir
  server = r.server
})
afterAll(async () => server?.stop())

async function freshHome(): Promise<string> {
  const home = makeTempDir('zoi-e2e-progress-')
  await runZoi(['sync', 'set', registry], { home })
  return home
}

/** Runs zoi on an 80-column pseudo-terminal; returns everything it drew. */
async function onTerminal(home: string, args: string): Promise<string> {
  const r = await runCommand([SCRIPT!, '-qec', `stty cols 80 2>/dev/null; ${ZOI_BIN} ${args}`, '/dev/null'], { home, env: { COLUMNS: '80' } })
  expect(r.exitCode, formatResult(r)).toBe(0)
  return r.stdout
}

const visible = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')

test.skipIf(!SCRIPT)('on a terminal: byte and object counts, every redraw fits in 80 columns', async () => {
  const home = await freshHome()
  const sync = await onTerminal(home, 'sync')
  expect(sync).toMatch(/\d+\/\d+ objects/)
  expect(sync).toMatch(/\d+\/4 packages/)
  const out = await onTerminal(home, 'install hello -y')
  expect(out).toMatch(/download +\[#+-*\] +\d+% \d+ B\/\d+ B/)
  expect(out).toMatch(/extract +\[#*-*\] +\d+% \d+ B\/\d+ B/)
  // Every redrawn progress line (what follows a carriage return) fits; plain text may wrap.
  const redraws = visible(out).split('\n').flatMap((l) => l.split('\r').slice(1))
  expect(redraws.length).toBeGreaterThan(3)
  for (const line of redraws) expect(line.length, line).toBeLessThanOrEqual(79)
  expect(out).toContain('installed hello 1.0.0')
})

test('without a terminal: plain lines, no escape codes; -q: nothing at all', async () => {
  const home = await freshHome()
  const sync = await runZoi(['sync'], { home })
  expect(sync.exitCode, formatResult(sync)).toBe(0)
  const r = await runZoi(['install', 'hello', '-y'], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(r.stderr).not.toMatch(/[\r\x1b]/)
  expect(r.stderr).toContain('downloaded hello-1.0.0-linux-amd64.pkg.tar.zst (')
  const quiet = await runZoi(['uninstall', 'hello', '-y', '-q'], { home })
  expect(quiet.exitCode, formatResult(quiet)).toBe(0)
  const again = await runZoi(['install', 'hello', '-y', '-q'], { home })
  expect(again.stderr).toBe('')
})
