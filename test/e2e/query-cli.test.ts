/**
 * Queries against a registry of a few hundred packages, synced from a plain folder: a closed
 * pipe ends `list --all` quietly, and boolean flags may come before the package names.
 */
import { beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatResult, makeTempDir, runCommand, runZoi, ZOI_BIN } from '../support/run-cli.ts'

const COUNT = 400
// ~300 bytes of output per package: `list --all` writes far more than a pipe buffer (64 KiB).
const LONG = 'a package generated for the query tests, with a description long enough to fill pipes '.repeat(3)

let home = ''
beforeAll(async () => {
  const registry = makeTempDir('zoi-reg-')
  writeFileSync(join(registry, 'repo.yaml'), 'name: Many\ndescription: generated\nrepos:\n  - {name: core, active: true}\n')
  for (let i = 0; i < COUNT; i++) {
    const dir = join(registry, 'core', `p-${i}`)
    mkdirSync(dir, { recursive: true })
    const dep = i + 1 < COUNT ? `dependencies({ runtime = { "zoi:p-${i + 1}@^1" } })` : ''
    writeFileSync(join(dir, `p-${i}.pkg.lua`), `metadata({ name = "p-${i}", repo = "core", versions = { stable = "1.0.${i}", beta = "2.0.0-b${i}" }, description = "${LONG}" })\n${dep}\n`)
  }
  home = makeTempDir()
  expect((await runZoi(['sync', 'set', registry], { home })).exitCode).toBe(0)
  const sync = await runZoi(['sync'], { home, timeoutMs: 120_000 })
  expect(sync.exitCode, formatResult(sync)).toBe(0)
}, 180_000)

describe('queries over a synced folder registry', () => {
  test('list --all piped into head ends quietly (EPIPE is no stack trace, exit 0)', async () => {
    const r = await runCommand(['bash', '-c', `"${ZOI_BIN}" list --all | head -n 3; echo "zoi exit \${PIPESTATUS[0]}"`], { home })
    expect(r.stderr).toBe('')
    expect(r.stdout.split('\n').slice(0, 3).join('\n')).toMatch(/^many\/core\/p-0 1\.0\.0\n/)
    expect(r.stdout).toContain('zoi exit 0')
  })

  test('list --all prints every package with the version install would pick', async () => {
    const r = await runZoi(['list', '--all', '--json'], { home })
    const rows = JSON.parse(r.stdout) as { name: string; version: string }[]
    expect(rows).toHaveLength(COUNT)
    expect(rows.find((p) => p.name === 'p-7')?.version).toBe('1.0.7')
  })

  test('list --all leaves the text beside the index and the next ones print that file; without it, the same text from the index', async () => {
    const kept = await runZoi(['list', '--all'], { home })
    expect(kept.exitCode, formatResult(kept)).toBe(0)
    const file = join(home, '.zoi/pkgs/db/many.db.list')
    expect(existsSync(file)).toBe(true)
    const rows = JSON.parse((await runZoi(['list', '--all', '--json'], { home })).stdout) as { registry: string; repo: string; name: string; version: string; description: string }[]
    expect(kept.stdout).toBe(rows.map((p) => `${p.registry}/${p.repo}/${p.name} ${p.version}\n    ${p.description}\n`).join(''))
    renameSync(file, `${file}.away`)
    try {
      expect((await runZoi(['list', '--all'], { home })).stdout).toBe(kept.stdout)
    } finally {
      renameSync(`${file}.away`, file)
    }
  })

  test('install --dry-run before the package name (was: missing required args)', async () => {
    const r = await runZoi(['install', '--dry-run', 'p-395'], { home })
    expect(r.exitCode, formatResult(r)).toBe(0)
    expect(r.stdout).toContain('Plan (dry run, nothing changed)')
    expect(r.stdout).toMatch(/install +many\/core\/p-399 +1\.0\.399 .*\[dependency\]/)
  })
})
