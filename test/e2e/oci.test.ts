/**
 * OCI registries as an archive store (issue #17): `zoi mirror push` uploads a mirror's archives
 * as OCI artifacts to the CNCF registry (Debian's docker-registry, started here on 127.0.0.1)
 * and to a token-protected registry; clients whose `pkg:` links or `cache_mirrors` name
 * `oci://host/namespace` install from them, verified; tampering on the registry side is caught.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { makeGitRepo, makeTempDir, readTree, removeTempDirs, type RepoFiles } from '../support/make-git-repo.ts'
import { freePort } from '../support/free-port.ts'
import { startFakeOciRegistry } from '../support/oci-registry.ts'
import { formatResult, runCommand, runZoi } from '../support/run-cli.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const hasGit = Bun.which('git') !== null
const registryBin = ['/usr/bin/docker-registry', Bun.which('docker-registry')].find((p) => p && existsSync(p))
const stops: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const stop of stops) await stop().catch(() => undefined)
  await removeTempDirs()
})

const zoi = (home: string, ...args: string[]) => runZoi(args, { home })

/** An operator's mirror folder holding hello and libgreet (built here), and the upstream registry. */
let op: { home: string; mirror: string; upstream: string }
beforeAll(async () => {
  if (!hasGit) return
  const home = await makeTempDir()
  const built = join(home, 'built')
  for (const name of ['hello', 'libgreet']) {
    const r = await zoi(home, 'package', 'build', join(EXAMPLES, 'core', name, `${name}.pkg.lua`), '-o', built)
    expect(r.exitCode, formatResult(r)).toBe(0)
  }
  const upstream = await makeGitRepo(readTree(EXAMPLES))
  await zoi(home, 'sync', 'set', upstream)
  const mirror = join(home, 'mirror')
  const made = await zoi(home, 'mirror', mirror, '--packages', 'hello', '--pkg-dir', built)
  expect(made.exitCode, formatResult(made)).toBe(0)
  op = { home, mirror, upstream }
})

/** A client whose registry names the OCI location in its pkg: links. */
async function clientWithOciLinks(ociBase: string): Promise<string> {
  const tree = readTree(EXAMPLES)
  tree['repo.yaml'] = `${tree['repo.yaml']}pkg:\n  - {type: main, url: "${ociBase}"}\n`
  const registry = await makeGitRepo(tree)
  const client = await makeTempDir()
  await zoi(client, 'sync', 'set', registry)
  const sync = await zoi(client, 'sync')
  expect(sync.exitCode, formatResult(sync)).toBe(0)
  return client
}

describe.skipIf(!hasGit || !registryBin)('the CNCF registry (docker-registry)', () => {
  test('mirror push → a client with oci:// pkg: links installs; re-push uploads nothing; a tampered blob is refused', async () => {
    const port = await freePort()
    const data = await makeTempDir()
    writeFileSync(join(data, 'config.yml'), `version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: ${data}/store}}\nhttp: {addr: 127.0.0.1:${port}}\n`)
    const proc = Bun.spawn([registryBin!, 'serve', join(data, 'config.yml')], { stdout: 'ignore', stderr: 'ignore' })
    stops.push(async () => { proc.kill(); await proc.exited })
    for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok, () => false)); i++) await Bun.sleep(100)

    const target = `oci://127.0.0.1:${port}/zoi`
    const push = await zoi(op.home, 'mirror', 'push', op.mirror, target)
    expect(push.exitCode, formatResult(push)).toBe(0)
    expect(push.stdout).toBe(`pushed 2 archive(s) to ${target}, 0 already there\n`)
    const again = await zoi(op.home, 'mirror', 'push', op.mirror, target, '--json')
    expect(JSON.parse(again.stdout)).toMatchObject({ pushed: [], unchanged: ['hello-1.0.0-linux-amd64.pkg.tar.zst', 'libgreet-1.2.0-linux-amd64.pkg.tar.zst'] })
    const tags = await (await fetch(`http://127.0.0.1:${port}/v2/zoi/hello/tags/list`)).json()
    expect(tags).toEqual({ name: 'zoi/hello', tags: ['1.0.0-linux-amd64'] })

    const client = await clientWithOciLinks(target)
    const install = await zoi(client, 'install', 'hello', '-y')
    expect(install.exitCode, formatResult(install)).toBe(0)
    expect((await runCommand([join(client, '.zoi/pkgs/bin/hello')], { home: client })).stdout).toContain('Hello from zoi!')

    // Someone rewrites the archive blob inside the registry's storage.
    const manifest = (await (await fetch(`http://127.0.0.1:${port}/v2/zoi/hello/manifests/1.0.0-linux-amd64`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as { layers: { digest: string }[] }
    const digest: string = manifest.layers[0]!.digest.slice('sha256:'.length)
    const blob = join(data, 'store/docker/registry/v2/blobs/sha256', digest.slice(0, 2), digest, 'data')
    const bytes = readFileSync(blob)
    bytes[bytes.length - 20]! ^= 0xff
    writeFileSync(blob, bytes)
    const fresh = await clientWithOciLinks(target)
    const refused = await zoi(fresh, 'install', 'hello', '-y')
    expect(refused.exitCode, formatResult(refused)).toBe(6)
    expect(refused.stderr).toContain('hello-1.0.0-linux-amd64.pkg.tar.zst')
    expect(existsSync(join(fresh, '.zoi/pkgs/bin/hello'))).toBe(false)
  })
})

describe.skipIf(!hasGit)('a token-protected OCI registry', () => {
  test('push and pull with the Bearer flow; credentials from the cache_mirrors URL are never printed; wrong ones are exit 5', async () => {
    const reg = startFakeOciRegistry('ci', 's3cret-pw')
    stops.push(() => reg.stop())
    const denied = await runZoi(['mirror', 'push', op.mirror, `oci://${reg.host}/team/zoi`], { home: op.home })
    expect(denied.exitCode, formatResult(denied)).toBe(5)
    expect(denied.stderr).toContain('refused access')
    const push = await runZoi(['mirror', 'push', op.mirror, `oci://${reg.host}/team/zoi`], { home: op.home, env: { ZOI_OCI_USERNAME: 'ci', ZOI_OCI_PASSWORD: 's3cret-pw' } })
    expect(push.exitCode, formatResult(push)).toBe(0)
    expect(reg.log).toContain('GET /token 200')

    // A client whose registry's own archive host is down, with the OCI registry as a cache mirror.
    const tree = readTree(EXAMPLES)
    tree['repo.yaml'] = `${tree['repo.yaml']}pkg:\n  - {type: main, url: "http://127.0.0.1:9/down"}\n`
    const registry = await makeGitRepo(tree)
    const client = await makeTempDir()
    await zoi(client, 'sync', 'set', registry)
    expect((await zoi(client, 'sync')).exitCode).toBe(0)
    const added = await zoi(client, 'cache', 'mirror', 'add', `oci://ci:s3cret-pw@${reg.host}/team/zoi`)
    expect(added.exitCode, formatResult(added)).toBe(0)
    const install = await zoi(client, 'install', 'hello', '-y', '-v')
    expect(install.exitCode, formatResult(install)).toBe(0)
    expect(reg.log.filter((l) => /^GET \/v2\/team\/zoi\/hello\/blobs\/sha256:[0-9a-f]{64} 200$/.test(l)), reg.log.join('\n')).not.toEqual([])
    for (const out of [added, install, await zoi(client, 'cache', 'mirror', 'ls')]) expect(out.stdout + out.stderr).not.toContain('s3cret-pw')

    const wrong = await makeTempDir()
    await zoi(wrong, 'sync', 'set', registry)
    await zoi(wrong, 'sync')
    await zoi(wrong, 'cache', 'mirror', 'add', `oci://ci:nope@${reg.host}/team/zoi`)
    const refused = await zoi(wrong, 'install', 'hello', '-y')
    expect(refused.exitCode, formatResult(refused)).toBe(5)
    expect(refused.stderr).not.toContain('nope@')
  })
})

describe('oci:// locations', () => {
  test('a push target that is not oci:// is a usage error', async () => {
    const home = await makeTempDir()
    await mkdir(join(home, 'm'))
    const r = await zoi(home, 'mirror', 'push', join(home, 'm'), 'https://example.invalid/x')
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('not an oci:// location')
  })
})
