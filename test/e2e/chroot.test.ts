/**
 * The binary needs nothing but the C library: copy dist/zoi and only the libraries ldd names
 * into an empty directory, chroot there, and run it.
 *
 * The one thing the directory gets besides those files is a procfs at /proc, mounted in a
 * private mount namespace: Bun's JavaScript engine reads /proc/self/statm and aborts without
 * it (plain `bun x.js` does too). Every container runtime and arch-chroot mounts /proc, so
 * this is the environment of a `FROM scratch` container. A test below pins that fact.
 */
import { expect, test } from 'bun:test'
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { formatResult, makeTempDir, runCommand, ZOI_BIN } from '../support/run-cli.ts'

const SBIN_PATH = `${process.env.PATH}:/usr/sbin:/sbin:/usr/bin:/bin`
const CHROOT = Bun.which('chroot', { PATH: SBIN_PATH })
const UNSHARE = Bun.which('unshare', { PATH: SBIN_PATH })

async function chrootPermitted(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not running as root'
  if (!CHROOT || !UNSHARE) return 'chroot or unshare is not installed'
  const probe = await runCommand([UNSHARE, '--mount', '--fork', 'sh', '-c', `${CHROOT} / true`], { home: '/', env: { PATH: SBIN_PATH } })
  return probe.exitCode === 0 ? undefined : `chroot/unshare are not permitted here: ${probe.stderr.trim()}`
}

async function makeEmptyRoot(): Promise<string> {
  const root = makeTempDir('zoi-chroot-')
  copyFileSync(ZOI_BIN, join(root, 'zoi'))
  const ldd = await runCommand(['ldd', ZOI_BIN], { home: '/' })
  expect(ldd.exitCode, formatResult(ldd)).toBe(0)
  const libs = [...ldd.stdout.matchAll(/(\/\S+)/g)].map((m) => m[1]!)
  expect(libs.length).toBeGreaterThan(0)
  for (const lib of libs) {
    mkdirSync(join(root, dirname(lib)), { recursive: true })
    copyFileSync(lib, join(root, lib))
  }
  mkdirSync(join(root, 'proc'))
  return root
}

/** Runs `cmd` chrooted in `root`, with procfs mounted there when asked, in a throwaway mount namespace. */
function inChroot(root: string, cmd: string, withProc = true) {
  const mount = withProc ? `mount -t proc proc '${root}/proc' && ` : ''
  const script = `${mount}exec env -i HOME=/home PATH=/ ${CHROOT} '${root}' ${cmd}`
  return runCommand([UNSHARE!, '--mount', '--fork', 'sh', '-c', script], { home: '/', env: { PATH: SBIN_PATH } })
}

test('zoi --version and --help run in an empty chroot with only its libraries', async () => {
  const reason = await chrootPermitted()
  if (reason) {
    console.log(`SKIP chroot test: ${reason}`)
    return
  }
  const root = await makeEmptyRoot()
  const version = await inChroot(root, '/zoi --version')
  expect(version.exitCode, formatResult(version)).toBe(0)
  expect(version.stdout).toMatch(/^zoi \d/)
  const help = await inChroot(root, '/zoi --help')
  expect(help.exitCode, formatResult(help)).toBe(0)
  expect(help.stdout).toContain('install <...sources>')
  // The chroot really is empty apart from the binary and its libraries: there is no shell.
  const sh = await inChroot(root, '/bin/sh -c true')
  expect(sh.exitCode).not.toBe(0)
})

test('without procfs the Bun runtime aborts before zoi runs (documented limitation)', async () => {
  const reason = await chrootPermitted()
  if (reason) {
    console.log(`SKIP chroot test: ${reason}`)
    return
  }
  const root = await makeEmptyRoot()
  const r = await inChroot(root, '/zoi --version', false)
  // If a future Bun stops needing /proc this fails, and the README note can go.
  expect(r.exitCode).toBe(134)
})
