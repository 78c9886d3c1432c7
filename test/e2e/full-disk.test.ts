/**
 * A full disk during install: exit 7 naming the folder and the space needed, nothing
 * installed and no staging folder left behind. The disk is a 2 MiB tmpfs mounted over
 * `~/.zoi` in a private mount namespace (`unshare -m`), which needs root.
 */
import { expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { writeTarZst } from '../support/make-archive.ts'
import { formatResult, makeTempDir, runCommand, ZOI_BIN } from '../support/run-cli.ts'

const canMount = process.getuid?.() === 0 && Bun.spawnSync(['unshare', '-m', 'mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', '/mnt']).exitCode === 0

test.skipIf(!canMount)('a full disk during install is exit 7 with the path and the space needed, and leaves no staging folder (needs root for unshare -m)', async () => {
  const home = makeTempDir()
  const archive = join(home, 'big-1.0.0-linux-amd64.pkg.tar.zst')
  const mib = new Uint8Array(1 << 20).fill(120)
  await writeTarZst(archive, [
    { name: 'big.pkg.lua', content: 'metadata({ name = "big", version = "1.0.0", bins = { "big" } })\n' },
    { name: 'data/pkgstore/bin/big', content: '#!/bin/sh\n', mode: 0o755 },
    { name: 'data/pkgstore/share/blob', stream: { size: 4 << 20, chunks: () => [mib, mib, mib, mib] } },
  ])
  const zoiDir = join(home, '.zoi')
  mkdirSync(zoiDir)
  // Everything runs inside the namespace, where the small disk exists.
  const script = [
    `mount -t tmpfs -o size=2m tmpfs '${zoiDir}' || exit 99`,
    `'${ZOI_BIN}' install '${archive}' -y -q; echo "exit=$?"`,
    `echo "tmp=$(ls -A '${zoiDir}/pkgs/tmp' 2>/dev/null | tr '\\n' ' ')"`,
    `'${ZOI_BIN}' list --json`,
  ].join('\n')
  const r = await runCommand(['unshare', '-m', 'sh', '-c', script], { home })
  expect(r.stdout, formatResult(r)).toContain('exit=7')
  expect(r.stderr).toContain(`no space left on the disk holding ${join(zoiDir, 'pkgs/tmp')}; the install needs about 4.0 MiB`)
  expect(r.stdout).toContain('tmp=\n')
  expect(r.stdout).toContain('[]')
})
