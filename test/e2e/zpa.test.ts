/**
 * Zoi's `.zpa` archives (SPEC §9), proven without Zoi: archives made by an independent writer
 * (test/fixtures/zpa.py: Python tarfile, GNU headers, a `./` root entry, a pool name that does
 * not match its bytes as Zoi's ELF rewrite leaves it) install from a file, from a Zoidberg-shaped
 * registry online, and offline from a pkg-dir and the cache; hostile manifests install nothing.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startGitServer, type GitServer } from '../support/git-server.ts'
import { makeGitRepo } from '../support/make-git-repo.ts'
import { startZoiServe } from '../support/zoi-serve.ts'
import { formatResult, makeTempDir, runCommand, runZoi } from '../support/run-cli.ts'
import { startStaticServer, type StaticServer } from '../support/static-server.ts'

export const ZPA_PY = resolve(import.meta.dir, '../fixtures/zpa.py')
const servers: (GitServer | StaticServer | { stop(): Promise<unknown> })[] = []
afterAll(async () => {
  for (const s of servers) await s.stop()
})

/** `zoi serve` of `dir`, stopped after the file's tests; returns its URL. */
async function zoiServe(home: string, dir: string): Promise<string> {
  const served = await startZoiServe(home, dir)
  servers.push(served)
  return served.url
}

const DEF = (name: string) => `metadata({ name = "${name}", repo = "core", version = ZOI.VERSION or "1.0.0", bins = { "${name}" }, types = { "pre-compiled" } })\n`

interface ZpaSpec {
  name: string
  files?: { dest: string; content: string; mode?: number }[]
  symlinks?: { link: string; target: string }[]
  dirs?: { path: string; mode?: number }[]
  mangle?: boolean
  manifest?: unknown
  omit_pool?: boolean
  scopes?: string[]
}

/** Writes `<dir>/<name>-1.0.0-linux-amd64.zpa` with the Python writer, and its `.hash`. */
async function writeZpa(dir: string, spec: ZpaSpec, version = '1.0.0'): Promise<string> {
  mkdirSync(dir, { recursive: true })
  const out = join(dir, `${spec.name}-${version}-linux-amd64.zpa`)
  const specFile = join(dir, `${spec.name}.spec.json`)
  writeFileSync(specFile, JSON.stringify({ out, definition: DEF(spec.name), ...spec }))
  const r = await runCommand(['python3', ZPA_PY, 'write', specFile], { home: dir })
  expect(r.exitCode, formatResult(r)).toBe(0)
  const sha512 = createHash('sha512').update(readFileSync(out)).digest('hex')
  writeFileSync(`${out}.hash`, `${sha512}  ${out.split('/').pop()}\n`)
  return out
}

const greeter = (name: string): ZpaSpec => ({
  name,
  mangle: true,
  files: [
    { dest: `\${pkgstore}/bin/${name}`, content: `#!/bin/sh\necho "${name} from a zpa"\n`, mode: 0o755 },
    { dest: `\${usrhome}/.config/${name}/rc`, content: 'greeting=1\n' },
  ],
  symlinks: [{ link: `\${pkgstore}/bin/${name}-alias`, target: name }],
  dirs: [{ path: `\${pkgstore}/share/${name}`, mode: 0o755 }],
})

function storeEntries(home: string): string[] {
  const store = join(home, '.zoi/pkgs/store')
  return existsSync(store) ? readdirSync(store) : []
}

test('a .zpa from an independent writer (./ root, GNU headers, a pool name not matching its bytes) installs', async () => {
  const home = makeTempDir()
  const file = await writeZpa(join(home, 'in'), greeter('zhi'))
  const r = await runZoi(['install', file], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(r.stdout).toBe('installed zhi 1.0.0\n')
  expect((await runCommand([join(home, '.zoi/pkgs/bin/zhi')], { home })).stdout).toBe('zhi from a zpa\n')
  expect(readFileSync(join(home, '.config/zhi/rc'), 'utf8')).toBe('greeting=1\n')
  const version = join(home, '.zoi/pkgs/store', storeEntries(home)[0]!, '1.0.0')
  expect(readdirSync(join(version, 'bin')).sort()).toEqual(['zhi', 'zhi-alias'])
  expect(existsSync(join(version, 'share/zhi'))).toBe(true)
  // Zoi's `${pkgstore}/pkgstore` artefact directory is not installed.
  expect(existsSync(join(version, 'pkgstore'))).toBe(false)
  expect((await runZoi(['uninstall', 'zhi'], { home })).exitCode).toBe(0)
  expect(existsSync(join(home, '.config/zhi/rc'))).toBe(false)

  const again = await runZoi(['package', 'install', file], { home })
  expect(again.exitCode, formatResult(again)).toBe(0)
  // The hashes taken while extracting followed each pool file to where it was placed.
  const clean = await runZoi(['check', 'zhi'], { home })
  expect(clean.exitCode, formatResult(clean)).toBe(0)
  writeFileSync(join(home, '.config/zhi/rc'), 'greeting=2\n')
  const changed = await runZoi(['check', 'zhi'], { home })
  expect(changed.exitCode).toBe(6)
  expect(changed.stdout).toContain(`changed: ${join(home, '.config/zhi/rc')}`)
  const out = join(home, 'x')
  const ex = await runZoi(['package', 'extract', file, out], { home })
  expect(ex.exitCode, formatResult(ex)).toBe(0)
  expect(readdirSync(out).sort()).toEqual(['manifest.json', 'pool', 'zhi.pkg.lua'])
})

test('scopes: --root installs ${usrroot} from the system mapping; user scope refuses system files (exit 4) and a .zpa without a user mapping', async () => {
  const home = makeTempDir()
  const spec = (name: string, scopes?: string[]): ZpaSpec => ({
    name, scopes, files: [{ dest: `\${pkgstore}/bin/${name}`, content: '#!/bin/sh\n', mode: 0o755 }, { dest: `\${usrroot}/etc/${name}.conf`, content: 'conf\n' }],
  })
  const both = await writeZpa(join(home, 'in'), spec('zsys'))
  const root = join(home, 'root')
  mkdirSync(root)
  const r = await runZoi(['--root', root, 'install', both], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(readFileSync(join(root, 'etc/zsys.conf'), 'utf8')).toBe('conf\n')
  const user = await runZoi(['install', both], { home })
  expect(user.exitCode, formatResult(user)).toBe(4)
  expect(user.stderr).toContain('--scope system')
  const systemOnly = await writeZpa(join(home, 'in2'), { ...spec('zonly', ['system']), files: [{ dest: '${pkgstore}/bin/zonly', content: 'x' }] })
  const refused = await runZoi(['install', systemOnly], { home })
  expect(refused.exitCode, formatResult(refused)).toBe(4)
  expect(refused.stderr).toContain('nothing in user scope')
  expect(storeEntries(home)).toEqual([])
})

describe('hostile .zpa manifests: exit 6, nothing installed', () => {
  const attacks: [string, (name: string) => ZpaSpec][] = [
    ['a destination with an unknown placeholder', (n) => ({ name: n, files: [{ dest: '${createpkgdir}/evil', content: 'x' }] })],
    ['a destination without a placeholder', (n) => ({ name: n, files: [{ dest: 'bin/evil', content: 'x' }] })],
    ['a destination climbing out with ..', (n) => ({ name: n, files: [{ dest: '${pkgstore}/../../../../escaped', content: 'x' }] })],
    ['an absolute destination after the placeholder', (n) => ({ name: n, files: [{ dest: '${usrhome}//tmp/escaped', content: 'x' }] })],
    ['a missing pool file', (n) => ({ name: n, omit_pool: true, files: [{ dest: `\${pkgstore}/bin/${n}`, content: 'x' }] })],
    ['a symlink leaving its root', (n) => ({ name: n, files: [{ dest: `\${pkgstore}/bin/${n}`, content: 'x' }], symlinks: [{ link: '${pkgstore}/lib/out', target: '../../../../..' }] })],
    ['an absolute symlink target', (n) => ({ name: n, files: [{ dest: `\${pkgstore}/bin/${n}`, content: 'x' }], symlinks: [{ link: '${usrhome}/.ssh', target: '/etc' }] })],
    ['a file written through an earlier symlink', (n) => ({ name: n, files: [{ dest: '${usrhome}/dir/evil', content: 'x' }], symlinks: [{ link: '${usrhome}/dir', target: '.' }] })],
  ]
  for (const [attack, spec] of attacks) {
    test(attack, async () => {
      const home = makeTempDir()
      const file = await writeZpa(join(home, 'in'), spec('evil'))
      const r = await runZoi(['install', file], { home })
      expect(r.exitCode, formatResult(r)).toBe(6)
      expect(r.stderr).toContain('evil')
      expect(storeEntries(home)).toEqual([])
      for (const p of ['escaped', '.zoi/escaped', 'dir', '.ssh', '.zoi/pkgs/bin/evil']) expect(existsSync(join(home, p))).toBe(false)
      expect((await runZoi(['list', '--json'], { home })).stdout.trim()).toBe('[]')
    })
  }
})

/** A registry shaped like Zoidberg: `pkg:` links that name `.zpa` files under a generic-packages path. */
async function zoidbergLike(): Promise<{ gitUrl: string; files: StaticServer; built: string }> {
  const archives = makeTempDir('zoi-zpa-archives-')
  const files = await startStaticServer(archives)
  servers.push(files)
  const base = `${files.url}/api/v4/projects/7/packages/generic/{id}/{version}`
  const repoYaml = [
    'name: Zoidberg', 'description: shaped like the live registry',
    'repos:', '  - name: core', '    type: official', '    active: true',
    'pkg:',
    '  - type: main', `    url: ${base}/{name}-{version}-{platform}.zpa`, `    hash: ${base}/{name}-{version}-{platform}.zpa.hash`,
    `    size: ${base}/{name}-{version}-{platform}.zpa.size`, `    files: ${base}/{name}-{version}-{platform}.zpa.files`,
    `    pgp: ${base}/{name}-{version}-{platform}.zpa.sig`,
    '  - type: source-main', `    url: ${base}/{name}-{version}.zsa`,
    '',
  ].join('\n')
  const zapp = DEF('zapp').replace(')\n', ')\ndependencies({ runtime = { "zoi:zgreet" } })\n')
  const repo = await makeGitRepo({ 'repo.yaml': repoYaml, 'core/zgreet/zgreet.pkg.lua': DEF('zgreet'), 'core/zapp/zapp.pkg.lua': zapp })
  const git = startGitServer(join(repo, '..'))
  servers.push(git)
  const built = makeTempDir('zoi-zpa-built-')
  for (const name of ['zgreet', 'zapp']) {
    const file = await writeZpa(built, greeter(name))
    const dir = join(archives, `api/v4/projects/7/packages/generic/core.${name}/1.0.0`)
    mkdirSync(dir, { recursive: true })
    for (const suffix of ['', '.hash']) writeFileSync(join(dir, `${name}-1.0.0-linux-amd64.zpa${suffix}`), readFileSync(`${file}${suffix}`))
    writeFileSync(join(dir, `${name}-1.0.0-linux-amd64.zpa.files`), `\${pkgstore}/bin/${name}`)
    writeFileSync(join(dir, `${name}-1.0.0-linux-amd64.zpa.sig`), 'not checked here\n')
    // A .zsa stand-in: any zstd file (the bundle format is exercised by the .zsa tests).
    writeFileSync(join(dir, `${name}-1.0.0.zsa`), readFileSync(file))
  }
  return { gitUrl: `${git.url}/${repo.split('/').pop()}`, files, built }
}

describe('a Zoidberg-shaped registry whose links name .zpa', () => {
  test('syncs and installs online; offline from --pkg-dir and from the cache', async () => {
    const { gitUrl, files, built } = await zoidbergLike()
    const home = makeTempDir()
    await runZoi(['sync', 'set', gitUrl], { home })
    const sync = await runZoi(['sync'], { home })
    expect(sync.exitCode, formatResult(sync)).toBe(0)
    const online = await runZoi(['install', 'zgreet'], { home })
    expect(online.exitCode, formatResult(online)).toBe(0)
    expect(files.hits).toContain('GET /api/v4/projects/7/packages/generic/core.zgreet/1.0.0/zgreet-1.0.0-linux-amd64.zpa')
    expect((await runCommand([join(home, '.zoi/pkgs/bin/zgreet')], { home })).stdout).toBe('zgreet from a zpa\n')
    expect(existsSync(join(home, '.zoi/cache/archives/zgreet-1.0.0-linux-amd64.zpa'))).toBe(true)
    expect((await runZoi(['uninstall', 'zgreet'], { home })).exitCode).toBe(0)

    // Offline: the synced index knows the checksum; the archive comes from a pkg-dir.
    await runZoi(['cache', 'clear'], { home })
    const hits = files.hits.length
    const fromDir = await runZoi(['--offline', 'install', 'zgreet', '--pkg-dir', built], { home })
    expect(fromDir.exitCode, formatResult(fromDir)).toBe(0)
    expect((await runZoi(['uninstall', 'zgreet'], { home })).exitCode).toBe(0)

    // Offline from the cache, after `cache add` (which lists it).
    const added = await runZoi(['cache', 'add', join(built, 'zgreet-1.0.0-linux-amd64.zpa')], { home })
    expect(added.exitCode, formatResult(added)).toBe(0)
    expect(readFileSync(join(home, '.zoi/cache/archives/zgreet-1.0.0-linux-amd64.zpa.files'), 'utf8')).toContain('${pkgstore}/bin/zgreet')
    const ls = await runZoi(['cache', 'ls', '--json'], { home })
    expect(JSON.parse(ls.stdout).map((a: { fileName: string }) => a.fileName)).toEqual(['zgreet-1.0.0-linux-amd64.zpa'])
    const fromCache = await runZoi(['--offline', 'install', 'zgreet'], { home })
    expect(fromCache.exitCode, formatResult(fromCache)).toBe(0)
    expect(files.hits.length).toBe(hits)
  })

  test('a source-main link is not taken for a binary archive', async () => {
    const { gitUrl } = await zoidbergLike()
    const home = makeTempDir()
    await runZoi(['sync', 'set', gitUrl], { home })
    await runZoi(['sync'], { home })
    const dry = await runZoi(['install', 'zgreet', '--dry-run', '--json'], { home })
    expect(dry.exitCode, formatResult(dry)).toBe(0)
    expect(JSON.parse(dry.stdout).planned[0].archive).toBe('zgreet-1.0.0-linux-amd64.zpa')
  })
})

test('zoi download stages an archive with its sidecars; --deps takes the closure; --source the .zsa', async () => {
  const { gitUrl } = await zoidbergLike()
  const home = makeTempDir()
  await runZoi(['sync', 'set', gitUrl], { home })
  expect((await runZoi(['sync'], { home })).exitCode).toBe(0)
  const media = join(home, 'media')
  const r = await runZoi(['download', 'zapp', '--deps', '-o', media, '--json'], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(JSON.parse(r.stdout).map((d: { file: string }) => d.file).sort()).toEqual(['zapp-1.0.0-linux-amd64.zpa', 'zgreet-1.0.0-linux-amd64.zpa'])
  expect(readdirSync(media).filter((f) => f.startsWith('zgreet')).sort()).toEqual(
    ['', '.files', '.hash', '.sig', '.size'].map((s) => `zgreet-1.0.0-linux-amd64.zpa${s}`),
  )
  expect((await runZoi(['download', 'zapp', '-o', join(home, 'one')], { home })).exitCode).toBe(0)
  expect(readdirSync(join(home, 'one')).filter((f) => f.endsWith('.zpa'))).toEqual(['zapp-1.0.0-linux-amd64.zpa'])
  const src = await runZoi(['download', 'zgreet', '--source'], { home })
  expect(src.exitCode, formatResult(src)).toBe(0)
  expect(existsSync(join(home, '.zoi/cache/archives/zgreet-1.0.0.zsa'))).toBe(true)

  // The staged media install on a machine with no network: sync state copied, then --offline.
  const offline = await runZoi(['--offline', 'install', 'zapp', '--pkg-dir', media], { home })
  expect(offline.exitCode, formatResult(offline)).toBe(0)
  expect(offline.stdout).toBe('installed zgreet 1.0.0\ninstalled zapp 1.0.0\n')
})

test('mirror of a registry whose links name .zpa keeps the format; serve; a client installs from it', async () => {
  const { gitUrl } = await zoidbergLike()
  const op = makeTempDir()
  const dir = join(op, 'mirror')
  mkdirSync(dir)
  const url = await zoiServe(op, dir)
  const made = await runZoi(['mirror', dir, '--registry', gitUrl, '--packages', 'zapp', '--base-url', url], { home: op })
  expect(made.exitCode, formatResult(made)).toBe(0)
  for (const f of ['', '.hash', '.size', '.files']) expect(existsSync(join(dir, `pkgs/core/linux/amd64/1.0.0/zgreet-1.0.0-linux-amd64.zpa${f}`)), f).toBe(true)
  expect(existsSync(join(dir, 'archives/zapp-1.0.0-linux-amd64.zpa'))).toBe(true)
  const client = makeTempDir()
  await runZoi(['sync', 'set', `${url}/registry.git`], { home: client })
  expect((await runZoi(['sync'], { home: client })).exitCode).toBe(0)
  const r = await runZoi(['install', 'zapp'], { home: client })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(r.stdout).toBe('installed zgreet 1.0.0\ninstalled zapp 1.0.0\n')
})
