/**
 * --root and registry bundling, the properties the seed promises: a bootstrap writes nothing
 * outside the root, a non-root user can bootstrap a directory it owns, and a synced registry
 * folder copied to another machine works offline.
 */
import { expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { formatResult, makeTempDir, runCommand, runZoi, ZOI_BIN } from '../support/run-cli.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const HOST_PATHS = ['/etc/zoi', '/var/lib/zoi', '/var/cache/zoi', '/usr/local/bin']

/** path → mtime+size of everything under `dir` (empty when it does not exist). */
function fingerprint(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {}
  const out: Record<string, string> = {}
  for (const rel of readdirSync(dir, { recursive: true }).map(String)) {
    const st = statSync(join(dir, rel), { throwIfNoEntry: false })
    if (st) out[rel] = `${st.mtimeMs}:${st.size}`
  }
  return out
}

async function syncedHome(): Promise<{ home: string; usb: string }> {
  const home = makeTempDir()
  const usb = join(home, 'usb')
  await runZoi(['sync', 'set', EXAMPLES], { home })
  expect((await runZoi(['sync'], { home })).exitCode).toBe(0)
  for (const n of ['hello', 'libgreet']) await runZoi(['package', 'build', join(EXAMPLES, 'core', n, `${n}.pkg.lua`), '-o', usb], { home })
  return { home, usb }
}

test('--root writes nothing outside the root: HOME and the host system paths are untouched', async () => {
  const { home, usb } = await syncedHome()
  const disk = makeTempDir('zoi-disk-')
  const before = { home: fingerprint(home), host: HOST_PATHS.map(fingerprint) }
  // Before the install the root has no registry of its own: queries read the host's, and may
  // not leave anything beside it (list --all keeps its text in a file only beside an index the
  // root owns).
  for (const query of [['list', '--all'], ['search', 'hello'], ['show', 'hello']]) {
    const q = await runZoi([...query, '--root', disk, '--offline'], { home })
    expect(q.stdout, formatResult(q)).toContain('hello')
  }
  expect(fingerprint(home)).toEqual(before.home)
  const r = await runZoi(['install', 'hello', '--root', disk, '--pkg-dir', usb, '--offline'], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(fingerprint(home)).toEqual(before.home)
  expect(HOST_PATHS.map(fingerprint)).toEqual(before.host)
  expect(existsSync(join(disk, 'usr/local/bin/hello'))).toBe(true)
  const un = await runZoi(['uninstall', 'hello', '--root', disk], { home })
  expect(un.exitCode, formatResult(un)).toBe(0)
  expect(fingerprint(home)).toEqual(before.home)
})

test.skipIf(process.getuid?.() !== 0 || !Bun.which('setpriv'))('a non-root user bootstraps a directory it can write (needs root and setpriv to switch to nobody)', async () => {
  const { home, usb } = await syncedHome()
  // nobody needs to read the binary, the host registry and the pkg-dir, and write the disk.
  const shared = makeTempDir('zoi-nobody-')
  chmodSync(shared, 0o777)
  const bin = join(shared, 'zoi')
  cpSync(ZOI_BIN, bin)
  chmodSync(bin, 0o755)
  cpSync(home, join(shared, 'home'), { recursive: true })
  const disk = join(shared, 'disk')
  mkdirSync(disk)
  await runCommand(['chmod', '-R', 'a+rwX', shared], { home })
  const r = await runCommand(
    ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', bin, 'install', 'hello', '--root', disk, '--pkg-dir', join(shared, 'home', 'usb'), '--offline'],
    { home: join(shared, 'home'), cwd: shared },
  )
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(statSync(join(disk, 'var/lib/zoi/pkgs/db/local.db')).uid).toBe(65534)
  const run = await runCommand([join(disk, 'usr/local/bin/hello')], { home })
  expect(run.stdout).toContain('Hello from zoi!')
  void usb
})

test('registry bundling: copying <db>/ to another HOME gives a working offline registry', async () => {
  const { home, usb } = await syncedHome()
  const other = makeTempDir()
  cpSync(join(home, '.zoi/pkgs/db'), join(other, '.zoi/pkgs/db'), { recursive: true })
  cpSync(join(home, '.zoi/pkgs/config.yaml'), join(other, '.zoi/pkgs/config.yaml'))
  const search = await runZoi(['search', 'hello', '--offline'], { home: other })
  expect(search.stdout, formatResult(search)).toContain('example/core/hello 1.0.0')
  const sync = await runZoi(['sync', '--offline'], { home: other })
  expect(sync.exitCode, formatResult(sync)).toBe(0)
  const r = await runZoi(['install', 'hello', '--pkg-dir', usb, '--offline'], { home: other })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect((await runCommand([join(other, '.zoi/pkgs/bin/hello')], { home: other })).stdout).toContain('Hello from zoi!')
})

test('sync export / sync import carry the registry to a machine that never synced', async () => {
  const { home, usb } = await syncedHome()
  const bundle = join(home, 'registry-bundle.tar.zst')
  const exp = await runZoi(['sync', 'export', bundle], { home })
  expect(exp.exitCode, formatResult(exp)).toBe(0)
  expect(existsSync(`${bundle}.hash`)).toBe(true)

  const other = makeTempDir()
  const imp = await runZoi(['sync', 'import', bundle, '--offline'], { home: other })
  expect(imp.exitCode, formatResult(imp)).toBe(0)
  expect(imp.stdout).toBe(`Imported example (4 packages) from ${EXAMPLES}\n`)
  expect((await runZoi(['sync', '--offline'], { home: other })).exitCode).toBe(0)
  const r = await runZoi(['install', 'hello', '--pkg-dir', usb, '--offline'], { home: other })
  expect(r.exitCode, formatResult(r)).toBe(0)

  // A tampered bundle is refused before anything changes.
  const tampered = makeTempDir()
  const copy = join(tampered, 'b.tar.zst')
  cpSync(bundle, copy)
  const bytes = await Bun.file(copy).bytes()
  bytes[100] = bytes[100]! ^ 1
  await Bun.write(copy, bytes)
  await Bun.write(`${copy}.hash`, (await Bun.file(`${bundle}.hash`).text()).replace('registry-bundle.tar.zst', 'b.tar.zst'))
  const bad = await runZoi(['sync', 'import', copy], { home: tampered })
  expect(bad.exitCode, formatResult(bad)).toBe(6)
  expect(bad.stderr).toContain('checksum mismatch')
  expect(existsSync(join(tampered, '.zoi/pkgs/db/example'))).toBe(false)

  // A bundle whose clone carries a hook and a config naming commands: git would run them for
  // whoever later runs git in the registry's folder. The import keeps only what zoi writes there.
  const work = makeTempDir()
  const tree = join(work, 'tree')
  mkdirSync(tree)
  expect((await runCommand(['tar', '--zstd', '-xf', bundle, '-C', tree], { home: work })).exitCode).toBe(0)
  writeFileSync(join(tree, 'example/.git/hooks/post-checkout'), '#!/bin/sh\ntouch /tmp/zoi-hook-ran\n', { mode: 0o755 })
  writeFileSync(join(tree, 'example/.git/config'), readFileSync(join(tree, 'example/.git/config'), 'utf8') + '[core]\n\tpager = touch /tmp/zoi-pager-ran\n')
  mkdirSync(join(tree, 'example/.git/objects/info'), { recursive: true })
  writeFileSync(join(tree, 'example/.git/objects/info/alternates'), '/root/.secret-repo/.git/objects\n')
  const hostile = join(work, 'hostile.tar.zst')
  expect((await runCommand(['tar', '--zstd', '-cf', hostile, '-C', tree, 'bundle.yaml', 'example', 'example.db'], { home: work })).exitCode).toBe(0)
  writeFileSync(`${hostile}.hash`, `${createHash('sha512').update(readFileSync(hostile)).digest('hex')}  hostile.tar.zst\n`)
  const clean = makeTempDir()
  const carried = await runZoi(['sync', 'import', hostile, '--offline'], { home: clean })
  expect(carried.exitCode, formatResult(carried)).toBe(0)
  const gitdir = join(clean, '.zoi/pkgs/db/example/.git')
  expect(readdirSync(join(gitdir, 'hooks'))).toEqual([])
  expect(readFileSync(join(gitdir, 'config'), 'utf8')).not.toContain('pager')
  expect(existsSync(join(gitdir, 'objects/info/alternates'))).toBe(false)
  expect(readFileSync(join(gitdir, 'config'), 'utf8')).toContain(`url = ${EXAMPLES}`)
  expect((await runZoi(['sync', '--offline'], { home: clean })).exitCode).toBe(0)

  // An archive that is not a bundle (a package archive) is refused too.
  const notBundle = await runZoi(['sync', 'import', join(usb, 'hello-1.0.0-linux-amd64.pkg.tar.zst')], { home: tampered })
  expect(notBundle.exitCode).toBe(6)
  expect(notBundle.stderr).toContain('not a registry bundle')
})
