/** Source builds during install: packages without pre-built archives, and `--build`. */
import { expect, test } from 'bun:test'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
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

test('a source build installs its zoi: build dependencies first (as dependencies) and finds their commands on its PATH', async () => {
  const home = makeTempDir()
  const registry = join(home, 'registry')
  cpSync(EXAMPLES, registry, { recursive: true })
  mkdirSync(join(registry, 'core/greettool'), { recursive: true })
  writeFileSync(join(registry, 'core/greettool/greettool.sh'), '#!/bin/sh\necho "made by greettool $1"\n')
  writeFileSync(join(registry, 'core/greettool/greettool.pkg.lua'), `metadata({ name = "greettool", repo = "core", version = "1.0.0", types = { "source" }, bins = { "greettool" } })
function package()
  zcp("\${pkgluadir}/greettool.sh", "\${pkgstore}/bin/greettool")
  zchmod("\${pkgstore}/bin/greettool", "755")
end
`)
  mkdirSync(join(registry, 'core/usestool'), { recursive: true })
  writeFileSync(join(registry, 'core/usestool/usestool.pkg.lua'), `metadata({ name = "usestool", repo = "core", version = "1.0.0", types = { "source" } })
dependencies({ build = { required = { "zoi:greettool" } } })
function build()
  local out, err, code = cmd("greettool usestool > made.txt")
  if code ~= 0 then error("greettool failed (" .. code .. "): " .. err) end
end
function package() zcp("made.txt", "\${pkgstore}/share/made.txt") end
`)
  const zoi = (...a: string[]) => runZoi(a, { home })
  await zoi('sync', 'set', registry)
  expect((await zoi('sync')).exitCode).toBe(0)
  const dry = await zoi('install', 'usestool', '--dry-run')
  expect(dry.stdout).toContain('Build dependencies, installed first: zoi:greettool')
  const r = await zoi('install', 'usestool', '--offline')
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(r.stderr).toContain('installing build dependencies first: zoi:greettool')
  const store = join(home, '.zoi/pkgs/store')
  const dir = readdirSync(store).find((d) => d.endsWith('-usestool'))!
  expect(readFileSync(join(store, dir, '1.0.0/share/made.txt'), 'utf8').trim()).toBe('made by greettool usestool')
  const list = JSON.parse((await zoi('list', '--json')).stdout) as { name: string; reason: string }[]
  expect(list.map((p) => [p.name, p.reason]).sort()).toEqual([['greettool', 'dependency'], ['usestool', 'direct']])
  // Nothing needs it at run time: autoremove takes it away again.
  expect((await zoi('autoremove', '-y')).exitCode).toBe(0)
  expect(JSON.parse((await zoi('list', '--json')).stdout).map((p: { name: string }) => p.name)).toEqual(['usestool'])
})
