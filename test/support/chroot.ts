/**
 * Running dist/zoi inside a chroot: copy the binary and only the libraries `ldd` names into a
 * directory, mount a procfs there in a private mount namespace (Bun's engine needs
 * /proc/self/statm; every container runtime provides /proc), and run.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { runCommand, ZOI_BIN, type CliResult } from './run-cli.ts'

const SBIN_PATH = `${process.env.PATH}:/usr/sbin:/sbin:/usr/bin:/bin`
const CHROOT = Bun.which('chroot', { PATH: SBIN_PATH })
const UNSHARE = Bun.which('unshare', { PATH: SBIN_PATH })

/** Why chroot tests cannot run here, or undefined when they can. */
export async function chrootUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not running as root'
  if (!CHROOT || !UNSHARE) return 'chroot or unshare is not installed'
  const probe = await runCommand([UNSHARE, '--mount', '--fork', 'sh', '-c', `${CHROOT} / true`], { home: '/', env: { PATH: SBIN_PATH } })
  return probe.exitCode === 0 ? undefined : `chroot/unshare are not permitted here: ${probe.stderr.trim()}`
}

/** Copies dist/zoi to `<root>/zoi` with the libraries it links, and makes `<root>/proc`. */
export async function installZoiInto(root: string): Promise<void> {
  copyFileSync(ZOI_BIN, join(root, 'zoi'))
  const ldd = await runCommand(['ldd', ZOI_BIN], { home: '/' })
  if (ldd.exitCode !== 0) throw new Error(`ldd failed: ${ldd.stderr}`)
  for (const lib of [...ldd.stdout.matchAll(/(\/\S+)/g)].map((m) => m[1]!)) {
    mkdirSync(join(root, dirname(lib)), { recursive: true })
    if (!existsSync(join(root, lib))) copyFileSync(lib, join(root, lib))
  }
  mkdirSync(join(root, 'proc'), { recursive: true })
}

/** Runs `cmd` (a shell word list, no shell inside the chroot) chrooted in `root`. */
export function runInChroot(root: string, cmd: string, opts: { withProc?: boolean; network?: boolean } = {}): Promise<CliResult> {
  const mount = opts.withProc === false ? '' : `mount -t proc proc '${root}/proc' && `
  const script = `${mount}exec env -i HOME=/root PATH=/ ${CHROOT} '${root}' ${cmd}`
  const unshare = [UNSHARE!, '--mount', '--fork', ...(opts.network === false ? ['--net'] : []), 'sh', '-c', script]
  return runCommand(unshare, { home: '/', env: { PATH: SBIN_PATH } })
}
