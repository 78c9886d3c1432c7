/**
 * The network edge end to end, with the compiled binary and a plain-folder registry whose
 * `pkg:` links point at hosts that are down, stall, or are link-local metadata addresses.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatResult, makeTempDir, runZoi } from '../support/run-cli.ts'

const servers: { stop(force?: boolean): unknown }[] = []
afterAll(() => {
  for (const s of servers) s.stop(true)
})

/** A folder registry with `count` packages whose archives live under `pkgBase`. */
function folderRegistry(pkgBase: string, count: number): string {
  const dir = makeTempDir('zoi-reg-')
  const dirUrl = `${pkgBase}/pkgs/{repo}/{os}/{arch}/{version}`
  const file = `${dirUrl}/{name}-{version}-{platform}.pkg.tar.zst`
  writeFileSync(join(dir, 'repo.yaml'), `name: edge\nrepos:\n  - {name: core, active: true}\npkg:\n  - type: main\n    url: ${dirUrl}\n    hash: ${file}.hash\n    size: ${file}.size\n`)
  for (let i = 0; i < count; i++) {
    const name = `tool${i}`
    mkdirSync(join(dir, 'core', name), { recursive: true })
    writeFileSync(join(dir, 'core', name, `${name}.pkg.lua`), `metadata({ name = "${name}", repo = "core", version = "1.0.0", description = "tool ${i}", bins = { "${name}" } })\n`)
  }
  return dir
}

async function syncedHome(registry: string, env?: Record<string, string>): Promise<string> {
  const home = makeTempDir()
  expect((await runZoi(['sync', 'set', registry], { home, env })).exitCode).toBe(0)
  return home
}

async function closedPort(): Promise<number> {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
  const port = s.port!
  await s.stop(true)
  return port
}

describe('a pkg: host that is down', () => {
  test('sync with an unreachable pkg: host prints one summary line, not retry warnings per package', async () => {
    const registry = folderRegistry(`http://127.0.0.1:${await closedPort()}`, 9)
    const home = await syncedHome(registry)
    const r = await runZoi(['sync'], { home })
    expect(r.exitCode, formatResult(r)).toBe(0)
    expect(r.stderr).not.toContain('retrying')
    expect(r.stderr.match(/is unreachable \(ECONNREFUSED\)/g)).toHaveLength(1)
  })

  test('install from an unreachable pkg: host is exit 5 without retries', async () => {
    const registry = folderRegistry(`http://127.0.0.1:${await closedPort()}`, 2)
    const home = await syncedHome(registry)
    await runZoi(['sync'], { home })
    const r = await runZoi(['install', 'tool0'], { home })
    expect(r.exitCode, formatResult(r)).toBe(5)
    expect(r.stderr).not.toContain('retrying')
  })
})

describe('link-local pkg: links', () => {
  test('a registry link to 169.254.169.254 is refused with exit 5 naming the URL', async () => {
    const registry = folderRegistry('http://169.254.169.254/latest/meta-data', 1)
    const home = await syncedHome(registry)
    const sync = await runZoi(['sync'], { home })
    expect(sync.exitCode, formatResult(sync)).toBe(0)
    const r = await runZoi(['install', 'tool0'], { home })
    expect(r.exitCode, formatResult(r)).toBe(5)
    expect(r.stderr).toContain('http://169.254.169.254/latest/meta-data/pkgs/core/')
    expect(r.stderr).toContain('link-local')
  })
})

describe('a server that sends headers and then stalls', () => {
  test('install fails after the idle timeout (ZOI_NET_IDLE_TIMEOUT_MS) instead of hanging', async () => {
    const stalling = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      idleTimeout: 0,
      fetch: () =>
        new Response(new ReadableStream({
          async pull(c) {
            c.enqueue(new Uint8Array(8))
            await new Promise(() => {})
          },
        }), { headers: { 'content-length': '4096' } }),
    })
    servers.push(stalling)
    const env = { ZOI_NET_IDLE_TIMEOUT_MS: '400' }
    const home = await syncedHome(folderRegistry(`http://127.0.0.1:${stalling.port}`, 1), env)
    const sync = await runZoi(['sync'], { home, env })
    expect(sync.exitCode, formatResult(sync)).toBe(0)
    const r = await runZoi(['install', 'tool0'], { home, env, timeoutMs: 60_000 })
    expect(r.exitCode, formatResult(r)).toBe(5)
    expect(r.stderr).toContain('no data for 400 ms')
  })

  test('a malformed ZOI_NET_IDLE_TIMEOUT_MS is a usage error', async () => {
    const r = await runZoi(['search', 'x'], { home: makeTempDir(), env: { ZOI_NET_IDLE_TIMEOUT_MS: 'soon' } })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('ZOI_NET_IDLE_TIMEOUT_MS')
  })
})
