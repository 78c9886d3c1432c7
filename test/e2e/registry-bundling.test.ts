/**
 * The seed's "registry bundling": a `<db>/` folder copied onto another machine works without any
 * config; the same URL set twice keeps its index; two registries sharing a repo.yaml name are
 * refused; registry passwords are never printed, are kept in a 0600 config and never copied into
 * roots or export bundles.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startGitServer, type GitServer } from '../support/git-server.ts'
import { makeGitRepo } from '../support/make-git-repo.ts'
import { formatResult, makeTempDir, runCommand, runZoi } from '../support/run-cli.ts'

const def = (name: string, version: string) => `metadata({ name = "${name}", repo = "core", version = "${version}", description = "the ${name} tool" })\n`
const registry = (name: string, pkg: string) => ({ 'repo.yaml': `name: ${name}\n`, [`core/${pkg}/${pkg}.pkg.lua`]: def(pkg, '1.0.0') })

const zoi = (home: string, ...args: string[]) => runZoi(args, { home })
const DB = '.zoi/pkgs/db'

let server: GitServer
let alphaUrl: string
let twinUrl: string
let synced: string

beforeAll(async () => {
  const alpha = await makeGitRepo(registry('Alpha', 'hello'))
  const twin = await makeGitRepo(registry('Alpha', 'other'))
  server = startGitServer(join(alpha, '..'))
  alphaUrl = `${server.url}/${alpha.split('/').pop()}`
  twinUrl = twin // a local path is enough for the second source
  const beta = await makeGitRepo(registry('Beta', 'bee'))
  synced = makeTempDir()
  expect((await zoi(synced, 'sync', 'set', alphaUrl)).exitCode).toBe(0)
  expect((await zoi(synced, 'sync', 'add', beta)).exitCode).toBe(0)
  const r = await zoi(synced, 'sync')
  expect(r.exitCode, formatResult(r)).toBe(0)
})
afterAll(() => server.stop())

describe('a copied <db>/ folder', () => {
  test('copied alone (no config) into a fresh HOME gives a working registry, offline too', async () => {
    const fresh = makeTempDir()
    mkdirSync(join(fresh, '.zoi/pkgs'), { recursive: true })
    cpSync(join(synced, DB), join(fresh, DB), { recursive: true })
    expect(existsSync(join(fresh, '.zoi/pkgs/config.yaml'))).toBe(false)
    const search = await zoi(fresh, 'search', 'hello', '--offline')
    expect(search.exitCode, formatResult(search)).toBe(0)
    expect(search.stdout).toContain('alpha/core/hello 1.0.0')
    const list = JSON.parse((await zoi(fresh, 'sync', 'list', '--json')).stdout)
    // The first folder is the default; the others are added (a local clone has no origin: its folder).
    expect(list).toEqual([
      { kind: 'default', handle: 'alpha', url: alphaUrl },
      { kind: 'added', handle: 'beta', url: join(fresh, DB, 'beta') },
    ])
    expect((await zoi(fresh, 'search', 'bee', '--offline')).stdout).toContain('beta/core/bee 1.0.0')
    const resync = await zoi(fresh, 'sync', '--offline', '--json')
    expect(resync.exitCode, formatResult(resync)).toBe(0)
    expect(JSON.parse(resync.stdout)[0]).toMatchObject({ handle: 'alpha', packages: 1 })
    // Online, it fetches from the clone's origin.
    const online = await zoi(fresh, 'sync', '--json')
    expect(online.exitCode, formatResult(online)).toBe(0)
    expect(JSON.parse(online.stdout)[0]).toMatchObject({ handle: 'alpha', fetched: true, changed: false })
    // A found registry is removed by deleting its folder and index.
    const removed = await zoi(fresh, 'sync', 'remove', 'beta')
    expect(removed.exitCode, formatResult(removed)).toBe(0)
    expect(existsSync(join(fresh, DB, 'beta'))).toBe(false)
    expect(existsSync(join(fresh, DB, 'beta.db'))).toBe(false)
  })
})

describe('sync set', () => {
  test('sync set <the same URL> keeps the handle and the index', async () => {
    const home = makeTempDir()
    cpSync(join(synced, '.zoi'), join(home, '.zoi'), { recursive: true })
    expect((await zoi(home, 'sync', 'set', alphaUrl)).exitCode).toBe(0)
    expect(readFileSync(join(home, '.zoi/pkgs/config.yaml'), 'utf8')).toContain('handle: alpha')
    expect(JSON.parse((await zoi(home, 'sync', 'list', '--json')).stdout)[0].handle).toBe('alpha')
    const search = await zoi(home, 'search', 'hello')
    expect(search.exitCode, formatResult(search)).toBe(0)
    expect((await zoi(home, 'sync', '--json')).exitCode).toBe(0)
  })

  test('two registries whose repo.yaml share a name: refused naming both URLs, first clone kept', async () => {
    const home = makeTempDir()
    cpSync(join(synced, '.zoi'), join(home, '.zoi'), { recursive: true })
    expect((await zoi(home, 'sync', 'add', twinUrl)).exitCode).toBe(0)
    const r = await zoi(home, 'sync')
    expect(r.exitCode, formatResult(r)).toBe(4)
    expect(r.stderr).toContain(`registries '${alphaUrl}' and '${twinUrl}' are both named 'alpha' in their repo.yaml`)
    // The first registry's clone and index are untouched.
    expect((await zoi(home, 'search', 'hello')).stdout).toContain('alpha/core/hello')
    expect((await zoi(home, 'search', 'other')).exitCode).toBe(3)
  })
})

describe('credentials in registry URLs', () => {
  test('never printed, config 0600, not copied into a root nor an export bundle', async () => {
    const home = makeTempDir()
    const secretUrl = alphaUrl.replace('http://', 'http://user:s3cret@')
    const set = await zoi(home, 'sync', 'set', secretUrl)
    expect(set.exitCode, formatResult(set)).toBe(0)
    expect(set.stdout + set.stderr).not.toContain('s3cret')
    const config = join(home, '.zoi/pkgs/config.yaml')
    expect(statSync(config).mode & 0o777).toBe(0o600)
    const sync = await zoi(home, 'sync')
    expect(sync.exitCode, formatResult(sync)).toBe(0)
    const list = await zoi(home, 'sync', 'list')
    expect(list.stdout).toContain('http://***@127.0.0.1')
    expect(list.stdout + (await zoi(home, 'sync', 'list', '--json')).stdout).not.toContain('s3cret')

    const bundle = join(home, 'b.tar.zst')
    expect((await zoi(home, 'sync', 'export', bundle)).exitCode).toBe(0)
    const listing = await runCommand(['sh', '-c', `zstd -dc '${bundle}' | tar -xO bundle.yaml`], { home })
    expect(listing.stdout).toContain(`url: ${alphaUrl}`)
    const all = await runCommand(['sh', '-c', `zstd -dc '${bundle}' | grep -c s3cret || true`], { home })
    expect(all.stdout.trim()).toBe('0')

    // Into a root: the root's config names the registry without the password.
    const root = makeTempDir()
    const install = await zoi(home, 'install', 'hello', '--root', root, '-y')
    expect(install.exitCode, formatResult(install)).toBe(0)
    const rootConfig = readFileSync(join(root, 'etc/zoi/config.yaml'), 'utf8')
    expect(rootConfig).toContain(`url: ${alphaUrl}`)
    expect(rootConfig).not.toContain('s3cret')
    // The user's own config still supplies the password for the same registry under --root.
    const rootList = await zoi(home, 'sync', 'list', '--root', root, '--json')
    expect(JSON.parse(rootList.stdout)[0]).toEqual({ kind: 'default', handle: 'alpha', url: alphaUrl.replace('http://', 'http://***@') })
  })
})
