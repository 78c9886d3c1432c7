/**
 * The binary needs nothing but the C library: dist/zoi and only the libraries ldd names, in an
 * empty directory, chroot-ed. The one addition is a procfs at /proc (see test/support/chroot.ts):
 * Bun's engine aborts without it, as plain `bun x.js` does; the second test pins that fact.
 */
import { expect, test } from 'bun:test'
import { chrootUnavailable, installZoiInto, runInChroot } from '../support/chroot.ts'
import { formatResult, makeTempDir } from '../support/run-cli.ts'

/** Why a chroot cannot be made here (not root, no ldd…), or undefined when it can. */
const unavailable = await chrootUnavailable()

test.skipIf(Boolean(unavailable))(`zoi --version and --help run in an empty chroot with only its libraries${unavailable ? ` (skipped: ${unavailable})` : ''}`, async () => {
  const root = makeTempDir('zoi-chroot-')
  await installZoiInto(root)
  const version = await runInChroot(root, '/zoi --version')
  expect(version.exitCode, formatResult(version)).toBe(0)
  expect(version.stdout).toMatch(/^zoi \d/)
  const help = await runInChroot(root, '/zoi --help')
  expect(help.exitCode, formatResult(help)).toBe(0)
  expect(help.stdout).toContain('install <...sources>')
  // The chroot really is empty apart from the binary and its libraries: there is no shell.
  const sh = await runInChroot(root, '/bin/sh -c true')
  expect(sh.exitCode).not.toBe(0)
})

test.skipIf(Boolean(unavailable))(`without procfs the Bun runtime aborts before zoi runs (documented limitation)${unavailable ? ` (skipped: ${unavailable})` : ''}`, async () => {
  const root = makeTempDir('zoi-chroot-')
  await installZoiInto(root)
  const r = await runInChroot(root, '/zoi --version', { withProc: false })
  // If a future Bun stops needing /proc this fails, and the README note can go.
  expect(r.exitCode).toBe(134)
})
