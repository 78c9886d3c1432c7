/** Source builds during install: packages without pre-built archives, and `--build`. */
import { expect, test } from 'bun:test'
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { formatResult, makeTempDir, runCommand, runZoi } from '../support/run-cli.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')

test('a registry without pkg: links builds from source, offline when the definition needs no download', async () => {
  const home = makeTempDir()
  const zoi = (...a: string[]) => runZoi(a, { home })
  await zoi('sync', 'set', EXAMPLES)
  await zoi('sync')
  const dry = await zoi('install', 'hello', '--dry-run')
  expect(dry.stdout).toMatch(/install +example\/core\/hello +1\.0\.0 +build +\? +\(build from source\)/)
  const r = await zoi('install', 'hello', '--offline')
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(r.stdout).toBe('installed libgreet 1.2.0\ninstalled hello 1.0.0\n')
  expect((await runCommand([join(home, '.zoi/pkgs/bin/hello')], { home })).stdout).toContain('Hello from zoi!')
  expect(readdirSync(join(home, '.zoi/pkgs/tmp'))).toEqual([])
  const rebuilt = await zoi('install', 'hello', '--build', '--force')
  expect(rebuilt.exitCode, formatResult(rebuilt)).toBe(0)
  expect(rebuilt.stderr).toContain('building hello 1.0.0 from source')
})

test('an offline source build that needs a download fails with exit 5 naming the URL; nothing installed', async () => {
  const home = makeTempDir()
  const registry = join(home, 'registry')
  cpSync(EXAMPLES, registry, { recursive: true })
  mkdirSync(join(registry, 'core/fetcher'), { recursive: true })
  writeFileSync(
    join(registry, 'core/fetcher/fetcher.pkg.lua'),
    'metadata({ name = "fetcher", version = "1.0.0", types = { "source" } })\nfunction prepare()\n  UTILS.EXTRACT("https://src.example.invalid/fetcher-1.0.0.tar.gz", "src")\nend\n',
  )
  await runZoi(['sync', 'set', registry], { home })
  await runZoi(['sync'], { home })
  const r = await runZoi(['install', 'fetcher', '--offline'], { home })
  expect(r.exitCode, formatResult(r)).toBe(5)
  expect(r.stderr).toContain('https://src.example.invalid/fetcher-1.0.0.tar.gz')
  expect((await runZoi(['list', '--json'], { home })).stdout.trim()).toBe('[]')
  const tmp = join(home, '.zoi/pkgs/tmp')
  expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([])
})
