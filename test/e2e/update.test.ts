/** `zoi update`, `pin`, `list --outdated` end to end, offline from a pkg-dir. */
import { expect, test } from 'bun:test'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { formatResult, makeTempDir, runCommand, runZoi } from '../support/run-cli.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')

test('update moves to the newest version, keeps reasons, skips pinned packages', async () => {
  const home = makeTempDir()
  const zoi = (...args: string[]) => runZoi(args, { home })
  const registry = join(home, 'registry')
  cpSync(EXAMPLES, registry, { recursive: true })
  const usb = join(home, 'usb')
  const hello = join(registry, 'core/hello/hello.pkg.lua')
  for (const v of ['1.0.0', '1.1.0']) expect((await zoi('package', 'build', hello, '-o', usb, '--version-override', v)).exitCode).toBe(0)
  expect((await zoi('package', 'build', join(registry, 'core/libgreet/libgreet.pkg.lua'), '-o', usb)).exitCode).toBe(0)

  await zoi('sync', 'set', registry)
  await zoi('sync')
  const inst = await zoi('install', 'hello', '--pkg-dir', usb, '--offline')
  expect(inst.exitCode, formatResult(inst)).toBe(0)
  expect((await zoi('update', '--all', '--offline')).stdout).toBe('Everything is up to date.\n')

  // The registry moves on: hello 1.1.0 becomes the default version.
  writeFileSync(hello, readFileSync(hello, 'utf8').replace('ZOI.VERSION or "1.0.0"', 'ZOI.VERSION or "1.1.0"'))
  await zoi('sync')
  expect((await zoi('list', '--outdated')).stdout).toBe('hello 1.0.0 -> 1.1.0\n')

  const dry = await zoi('update', 'hello', '--dry-run')
  expect(dry.stdout).toMatch(/upgrade\s+example\/core\/hello\s+1\.0\.0 -> 1\.1\.0/)
  expect(dry.stdout).toContain('Net Upgrade Size:')
  expect((await zoi('list')).stdout).toContain('hello 1.0.0')

  // Pinned: update leaves it, with a warning when named.
  await zoi('pin', 'hello', '1.0.0')
  const pinned = await zoi('update', 'hello', '--pkg-dir', usb, '--offline')
  expect(pinned.stderr).toContain('hello is pinned at 1.0.0')
  expect((await zoi('list')).stdout).toContain('hello 1.0.0 [pinned]')
  await zoi('unpin', 'hello')

  const up = await zoi('update', '--all', '--pkg-dir', usb, '--offline')
  expect(up.exitCode, formatResult(up)).toBe(0)
  expect(up.stdout).toBe('installed hello 1.1.0\n')
  expect((await zoi('list')).stdout).toBe('hello 1.1.0\nlibgreet 1.2.0 [dependency]\n')
  expect((await runCommand([join(home, '.zoi/pkgs/bin/hello')], { home })).stdout).toContain('Hello from zoi!')
  expect((await zoi('list', '--outdated')).stdout).toBe('Every installed package is up to date.\n')
  expect((await zoi('update', 'nothere')).exitCode).toBe(3)
})
