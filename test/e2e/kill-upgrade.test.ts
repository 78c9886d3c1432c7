/**
 * SIGKILL while an upgrade replaces a package with thousands of usrroot files: the next read
 * (`list`) recovers first, so it never reports the old version over a mix of old and new files.
 * Whatever the kill point, `list` shows exactly one version and every file has that version's
 * content.
 */
import { expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { writeTarZst, type TarSpec } from '../support/make-archive.ts'
import { formatResult, makeTempDir, runZoi, ZOI_BIN } from '../support/run-cli.ts'

const FILES = 2000

function* bigPackage(version: string): Iterable<TarSpec> {
  yield { name: 'big.pkg.lua', content: `metadata({ name = "big", version = "${version}", bins = { "big" } })\n` }
  yield { name: 'data/pkgstore/bin/big', content: '#!/bin/sh\n', mode: 0o755 }
  for (let i = 0; i < FILES; i++) yield { name: `data/usrroot/usr/share/big/d${i % 20}/f${i}.txt`, content: `${version} ${i}\n` }
}

test('an upgrade killed half way: list recovers before reading and reports the version the files are', async () => {
  const home = makeTempDir()
  const v1 = join(home, 'big-1.0.0-linux-amd64.pkg.tar.zst')
  const v2 = join(home, 'big-2.0.0-linux-amd64.pkg.tar.zst')
  await writeTarZst(v1, bigPackage('1.0.0'))
  await writeTarZst(v2, bigPackage('2.0.0'))
  const freshRoot = async () => {
    const root = makeTempDir('zoi-root-')
    const r = await runZoi(['install', v1, '--root', root, '-y', '-q'], { home })
    expect(r.exitCode, formatResult(r)).toBe(0)
    return root
  }
  // Time one whole upgrade, then kill at points spread across that time.
  const timing = await freshRoot()
  const t0 = performance.now()
  expect((await runZoi(['install', v2, '--root', timing, '-y', '-q'], { home })).exitCode).toBe(0)
  const full = performance.now() - t0

  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NO_COLOR: '1' }
  for (const fraction of [0.3, 0.55, 0.75, 0.9]) {
    const root = await freshRoot()
    const p = Bun.spawn([ZOI_BIN, 'install', v2, '--root', root, '-y', '-q'], { cwd: home, env, stdout: 'ignore', stderr: 'ignore' })
    await Bun.sleep(Math.round(fraction * full))
    p.kill('SIGKILL')
    await p.exited

    const list = await runZoi(['list', '--root', root, '--json'], { home })
    expect(list.exitCode, formatResult(list)).toBe(0)
    const rows = JSON.parse(list.stdout) as { name: string; version: string }[]
    // An upgrade is rolled back or forward whole: big is always installed, at one version.
    expect(rows.map((r) => r.name)).toEqual(['big'])
    const version = rows[0]!.version
    expect(['1.0.0', '2.0.0']).toContain(version)
    // The read recovered: no journal is left, and every file is that version's.
    const tmp = join(root, 'var/lib/zoi/pkgs/tmp')
    expect(existsSync(tmp) ? readdirSync(tmp).filter((n) => n.endsWith('.journal')) : []).toEqual([])
    for (let i = 0; i < FILES; i += 97) {
      expect(readFileSync(join(root, `usr/share/big/d${i % 20}/f${i}.txt`), 'utf8'), `f${i} after a kill at ${fraction}`).toBe(`${version} ${i}\n`)
    }
    const store = join(root, 'var/lib/zoi/pkgs/store')
    const [pkgDir] = readdirSync(store)
    expect(readlinkSync(join(store, pkgDir!, 'latest'))).toBe(version)
  }
})
