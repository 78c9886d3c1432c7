/**
 * Issue #16, points 1 and 2: typos get a "did you mean", options are reported as typed, unknown
 * package names get the closest names (exit 3), and the names zoi prints are names it accepts.
 */
import { beforeAll, describe, expect, test } from 'bun:test'
import { cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { formatResult, makeTempDir, runZoi } from '../support/run-cli.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
let home = ''
const zoi = (...args: string[]) => runZoi(args, { home })

beforeAll(async () => {
  home = makeTempDir('zoi-e2e-suggest-')
  await zoi('sync', 'set', EXAMPLES)
  const r = await zoi('sync')
  expect(r.exitCode, formatResult(r)).toBe(0)
})

describe('usage mistakes get a did-you-mean (exit 2)', () => {
  test.each([
    [['instal', 'hello'], "error: unknown command 'instal'", "hint: did you mean 'install'?"],
    [['serach', 'hello'], "error: unknown command 'serach'", "hint: did you mean 'search'?"],
    [['help', 'doctr'], "error: unknown command 'doctr'", "hint: did you mean 'doctor'?"],
    [['install', '--dry-rn', 'hello'], "error: unknown option '--dry-rn' for 'install'", "hint: did you mean '--dry-run'?"],
    [['install', '--dryRun', 'hello'], "error: unknown option '--dryRun' for 'install'", "hint: did you mean '--dry-run'?"],
    [['list', '--outdate'], "error: unknown option '--outdate' for 'list'", "hint: did you mean '--outdated'?"],
    [['list', '--ofline'], "error: unknown option '--ofline' for 'list'", "hint: did you mean '--offline'?"],
    [['bundle', 'crate', 'x'], "error: unknown action 'bundle crate'; expected one of: create, verify, import, ls", "hint: did you mean 'create'?"],
    [['cache', 'clera'], "error: unknown action 'cache clera'; expected one of: add, ls, list, clear, clean, mirror", "hint: did you mean 'clear'?"],
  ])('zoi %p', async (args, message, hint) => {
    const r = await zoi(...args)
    expect(r.exitCode, formatResult(r)).toBe(2)
    expect(r.stderr).toStartWith(`${message}\n${hint}`)
  })

  test('option names are never camel-cased in errors', async () => {
    const r = await zoi('install', '--dry-runn=x', 'hello')
    expect(r.stderr).toContain("'--dry-runn'")
    expect(r.stderr).not.toMatch(/dryRun/)
  })
})

describe('unknown package names get the closest known names (exit 3)', () => {
  test.each([
    [['install', 'helo'], "error: package 'helo' not found in the synced registries"],
    [['show', 'helo'], "error: package 'helo' not found in 'example'"],
    [['info', 'libgret'], "error: package 'libgret' not found in 'example'"],
  ])('zoi %p', async (args, message) => {
    const r = await zoi(...args)
    expect(r.exitCode, formatResult(r)).toBe(3)
    expect(r.stderr).toStartWith(message)
    expect(r.stderr).toMatch(/hint: did you mean '(hello|libgreet)'\?/)
  })

  test('files and uninstall suggest among installed packages', async () => {
    const h = makeTempDir('zoi-e2e-suggest-')
    await runZoi(['sync', 'set', EXAMPLES], { home: h })
    await runZoi(['sync'], { home: h })
    expect((await runZoi(['install', 'hello', '-y'], { home: h })).exitCode).toBe(0)
    for (const cmd of ['files', 'uninstall', 'why']) {
      const r = await runZoi([cmd, 'hallo', '-y'], { home: h })
      expect(r.exitCode, formatResult(r)).toBe(3)
      expect(r.stderr).toBe("error: package 'hallo' is not installed\nhint: did you mean 'hello'?\n")
    }
    // The printed form is accepted by installed-package commands too.
    const files = await runZoi(['files', 'example/core/hello'], { home: h })
    expect(files.exitCode, formatResult(files)).toBe(0)
    expect(files.stdout).toContain('/bin/hello')
  }, 60_000)
})

describe('names zoi prints are names zoi accepts', () => {
  test('search prints registry/repo/name and install takes it', async () => {
    const search = await zoi('search', 'greeting')
    expect(search.stdout).toContain('example/core/hello 1.0.0')
    const r = await zoi('install', 'example/core/hello', '--dry-run')
    expect(r.exitCode, formatResult(r)).toBe(0)
    expect(r.stdout).toContain('example/core/hello')
  })

  test('show takes the printed form and name@version', async () => {
    const printed = await zoi('show', 'example/core/hello')
    expect(printed.exitCode, formatResult(printed)).toBe(0)
    expect(printed.stdout).toContain('Name         : hello')
    const at = await zoi('show', 'hello@1.0.0', '--json')
    expect(JSON.parse(at.stdout)[0].version).toBe('1.0.0')
  })

  test('show name@version that does not exist lists the versions (exit 3)', async () => {
    const r = await zoi('show', 'hello@9.9.9')
    expect(r.exitCode).toBe(3)
    expect(r.stderr).toBe("error: hello has no version or channel '9.9.9'\nhint: versions: 1.0.0\n")
  })
})

test('show name@channel and name@@channel show the channel\'s version', async () => {
  const h = makeTempDir('zoi-e2e-suggest-')
  const registry = join(h, 'registry')
  cpSync(EXAMPLES, registry, { recursive: true })
  mkdirSync(join(registry, 'core/tool'), { recursive: true })
  writeFileSync(join(registry, 'core/tool/tool.pkg.lua'), 'metadata({ name = "tool", repo = "core", versions = { stable = "1.0.0", beta = "1.1.0" }, description = "t" })\n')
  await runZoi(['sync', 'set', registry], { home: h })
  expect((await runZoi(['sync'], { home: h })).exitCode).toBe(0)
  const version = async (source: string) => JSON.parse((await runZoi(['show', source, '--json'], { home: h })).stdout)[0].version
  expect(await version('tool')).toBe('1.0.0')
  expect(await version('tool@beta')).toBe('1.1.0')
  expect(await version('tool@@beta')).toBe('1.1.0')
  expect(await version('tool@1.1.0')).toBe('1.1.0')
  const bad = await runZoi(['show', 'tool@@nightly'], { home: h })
  expect(bad.exitCode).toBe(3)
  expect(bad.stderr).toBe("error: tool has no channel 'nightly'\nhint: versions: 1.0.0, 1.1.0; channels: beta, stable\n")
}, 60_000)

