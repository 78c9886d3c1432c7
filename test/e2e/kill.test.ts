/**
 * SIGKILL the compiled binary in the middle of an install, at several points. Where each kill
 * landed is read from the installed db itself right after the kill (the commit point is the
 * one db transaction that adds the package's row): killed before it, `list` shows nothing;
 * killed after it, `list` shows the package and every one of its files exists. Either way the
 * next run (which recovers first) installs and uninstalls cleanly.
 */
import { Database } from 'bun:sqlite'
import { expect, test } from 'bun:test'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { writeTarZst, type TarSpec } from '../support/make-archive.ts'
import { formatResult, makeTempDir, runZoi, ZOI_BIN } from '../support/run-cli.ts'

const FILES = 3000

function* bigPackage(): Iterable<TarSpec> {
  yield { name: 'big.pkg.lua', content: 'metadata({ name = "big", version = "1.0.0", bins = { "big" } })\n' }
  yield { name: 'data/pkgstore/bin/big', content: '#!/bin/sh\necho big\n', mode: 0o755 }
  for (let i = 0; i < FILES; i++) yield { name: `data/pkgstore/share/big/d${i % 30}/f${i}.txt`, content: `file ${i}\n`.repeat(20) }
}

test('killed installs leave nothing half-installed, and the next run recovers', async () => {
  const home = makeTempDir()
  const archive = join(home, 'big-1.0.0-linux-amd64.pkg.tar.zst')
  await writeTarZst(archive, bigPackage())
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NO_COLOR: '1' }
  // Time one whole install, then kill at points spread across that time.
  const t0 = performance.now()
  expect((await runZoi(['install', archive], { home })).exitCode).toBe(0)
  const full = performance.now() - t0
  expect((await runZoi(['uninstall', 'big'], { home })).exitCode).toBe(0)
  const delays = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.97].map((f) => Math.round(f * full))
  for (const delay of delays) {
    const p = Bun.spawn([ZOI_BIN, 'install', archive, '-q'], { cwd: home, env, stdout: 'ignore', stderr: 'ignore' })
    await Bun.sleep(delay)
    p.kill('SIGKILL')
    await p.exited
    const committed = committedAtKill(home)

    const list = await runZoi(['list', '--json'], { home })
    expect(list.exitCode, formatResult(list)).toBe(0)
    const rows = JSON.parse(list.stdout) as { name: string }[]
    if (!committed) {
      // Killed before the commit point: the install never happened.
      expect(rows, `kill at ${delay} ms, before the commit point`).toEqual([])
    } else {
      // Killed after it: installed and complete.
      expect(rows.map((r) => r.name), `kill at ${delay} ms, after the commit point`).toEqual(['big'])
      const files = (await runZoi(['files', 'big'], { home })).stdout.trim().split('\n')
      expect(files.length).toBeGreaterThan(FILES)
      for (const f of files) expect(existsSync(f), f).toBe(true)
    }

    // The next run recovers whatever the kill left and ends with a clean install.
    const again = await runZoi(['install', archive], { home })
    expect(again.exitCode, formatResult(again)).toBe(0)
    expect((await runZoi(['files', 'big'], { home })).stdout.trim().split('\n').length).toBeGreaterThan(FILES)
    const un = await runZoi(['uninstall', 'big'], { home })
    expect(un.exitCode, formatResult(un)).toBe(0)
    expect(readdirSync(join(home, '.zoi/pkgs/store'))).toEqual([])
    expect(readdirSync(join(home, '.zoi/pkgs/bin'))).toEqual([])
    const tmp = join(home, '.zoi/pkgs/tmp')
    expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([])
  }
}, 420_000)

/** Whether the killed install reached its commit point: the installed db holds its row. */
function committedAtKill(home: string): boolean {
  const file = join(home, '.zoi/pkgs/db/local.db')
  if (!existsSync(file)) return false
  const db = new Database(file)
  try {
    const hasTable = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'packages'").get()
    return hasTable !== null && db.query("SELECT 1 FROM packages WHERE name = 'big'").get() !== null
  } finally {
    db.close()
  }
}
