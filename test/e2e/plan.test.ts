/**
 * Issue #16 point 3: plans a person can judge — sizes from the .size sidecars beside archives
 * in a pkg-dir, pacman's totals, the removal plan before uninstalling, each warning once.
 */
import { beforeAll, expect, test } from 'bun:test'
import { buildExampleArchives, EXAMPLES } from '../support/example-registry.ts'
import { formatResult, makeTempDir, runCommand, runZoi, ZOI_BIN } from '../support/run-cli.ts'

const SCRIPT = Bun.which('script', { PATH: `${process.env.PATH}:/usr/bin` })
let usb = ''
beforeAll(async () => {
  usb = makeTempDir('zoi-e2e-usb-')
  await buildExampleArchives(usb)
})

async function syncedHome(): Promise<string> {
  const home = makeTempDir('zoi-e2e-plan-')
  await runZoi(['sync', 'set', EXAMPLES], { home })
  expect((await runZoi(['sync'], { home })).exitCode).toBe(0)
  return home
}

test('install --dry-run: versions, sizes from .size sidecars in the pkg-dir, totals', async () => {
  const home = await syncedHome()
  const r = await runZoi(['install', 'hello', '--dry-run', '--pkg-dir', usb, '--offline'], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(r.stdout).toMatch(/^ {2}Action +Package +Version +Download +Installed$/m)
  expect(r.stdout).toMatch(/^ {2}install +example\/core\/libgreet +1\.2\.0 +\d+ B +\d+ B +\[dependency\]$/m)
  expect(r.stdout).toMatch(/^ {2}install +example\/core\/hello +1\.0\.0 +\d+ B +\d+ B$/m)
  expect(r.stdout).toMatch(/^Total Download Size: +\d+(\.\d)? (B|KiB)$/m)
  expect(r.stdout).toMatch(/^Total Installed Size: +\d+(\.\d)? (B|KiB)$/m)
  expect(r.stdout).not.toContain('Net Upgrade Size')
  const again = await runZoi(['install', 'hello', '-y', '--pkg-dir', usb, '--offline', '-q'], { home })
  expect(again.exitCode, formatResult(again)).toBe(0)
  const re = await runZoi(['install', 'hello', '--force', '--dry-run', '--pkg-dir', usb, '--offline'], { home })
  expect(re.stdout).toMatch(/reinstall +example\/core\/hello +1\.0\.0/)
  expect(re.stdout).toContain('Net Upgrade Size:     +0 B')
})

test('a warning is printed once even when the plan is computed twice (terminal prompt)', async () => {
  if (!SCRIPT) return
  const home = await syncedHome()
  const r = await runCommand([SCRIPT, '-qec', `${ZOI_BIN} install cowsay-lite`, '/dev/null'], { home, stdin: '\n' })
  expect(r.stdout, formatResult(r)).toContain('installed cowsay-lite 0.3.1')
  expect(r.stdout.match(/warning: not installed by zoi/g)).toHaveLength(1)
}, 60_000)

test('uninstall on a terminal shows what it removes and frees before asking', async () => {
  if (!SCRIPT) return
  const home = await syncedHome()
  expect((await runZoi(['install', 'hello', '-y', '--pkg-dir', usb], { home })).exitCode).toBe(0)
  const r = await runCommand([SCRIPT, '-qec', `${ZOI_BIN} uninstall hello`, '/dev/null'], { home, stdin: 'n\n' })
  expect(r.stdout).toMatch(/remove +hello +1\.0\.0 +\d+ B/)
  expect(r.stdout).toMatch(/Total Removed Size: +\d+ B/)
  expect(r.stdout).toContain('Proceed with removal? [Y/n]')
  expect(r.stdout).toContain('Nothing was changed.')
}, 60_000)
