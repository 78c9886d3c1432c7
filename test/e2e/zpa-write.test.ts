/**
 * zoi writing `.zpa` (SPEC §9): `package build --format zpa` is reproducible, names every pool
 * file by its true SHA-256, writes Zoi's sidecars, reads back with the independent Python reader
 * and installs; a registry whose links name `.zpa` gets a `.zpa` from a source build.
 */
import { afterAll, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startGitServer, type GitServer } from '../support/git-server.ts'
import { makeGitRepo } from '../support/make-git-repo.ts'
import { formatResult, makeTempDir, runCommand, runZoi } from '../support/run-cli.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const ZPA_PY = resolve(import.meta.dir, '../fixtures/zpa.py')
const servers: GitServer[] = []
afterAll(async () => {
  for (const s of servers) await s.stop()
})

test('package build --format zpa: reproducible, true pool names, Zoi sidecars, read back by Python, installs', async () => {
  const home = makeTempDir()
  const zoi = (...a: string[]) => runZoi(a, { home })
  for (const out of ['a', 'b']) {
    for (const n of ['hello', 'libgreet']) {
      const r = await zoi('package', 'build', join(EXAMPLES, 'core', n, `${n}.pkg.lua`), '--format', 'zpa', '-o', join(home, out))
      expect(r.exitCode, formatResult(r)).toBe(0)
    }
  }
  const file = join(home, 'a/hello-1.0.0-linux-amd64.zpa')
  const bytes = readFileSync(file)
  expect(readFileSync(join(home, 'b/hello-1.0.0-linux-amd64.zpa')).equals(bytes)).toBe(true)
  const sha512 = createHash('sha512').update(bytes).digest('hex')
  expect(readFileSync(`${file}.hash`, 'utf8')).toBe(`${sha512}  hello-1.0.0-linux-amd64.zpa\n`)
  expect(readFileSync(`${file}.files`, 'utf8')).toBe('${pkgstore}/bin/\n${pkgstore}/bin/hello')
  expect(readFileSync(`${file}.size`, 'utf8')).toMatch(new RegExp(`^down: ${bytes.length}\ninstall: \\d+\n$`))

  const read = await runCommand(['python3', ZPA_PY, 'read', file], { home })
  expect(read.exitCode, formatResult(read)).toBe(0)
  const got = JSON.parse(read.stdout)
  expect(got.pool_ok).toBe(true)
  expect(got.manifest.version).toBe('2')
  expect(Object.keys(got.manifest.mappings[''].scopes)).toEqual(['user', 'system', 'project'])
  expect(got.files['${pkgstore}/bin/hello']).toContain('Hello from zoi!')
  const names = got.entries.map((e: { name: string }) => e.name)
  expect(names).toEqual([...names].sort())
  expect(got.entries.every((e: { uid: number; gid: number; mtime: number }) => e.uid === 0 && e.gid === 0 && e.mtime === 0)).toBe(true)

  const r = await zoi('install', './a/libgreet-1.2.0-linux-amd64.zpa', './a/hello-1.0.0-linux-amd64.zpa')
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect((await runCommand([join(home, '.zoi/pkgs/bin/hello')], { home })).stdout).toContain('Hello from zoi!')
  expect((await zoi('package', 'build', join(EXAMPLES, 'core/hello/hello.pkg.lua'), '--format', 'tar')).exitCode).toBe(2)
})

test('a source build for a registry whose links name .zpa writes and installs a .zpa', async () => {
  const repo = await makeGitRepo({
    'repo.yaml': 'name: Zoidberg\nrepos:\n  - name: core\n    active: true\npkg:\n  - type: main\n    url: http://127.0.0.1:9/{id}/{version}/{name}-{version}-{platform}.zpa\n',
    'core/zbuilt/zbuilt.pkg.lua': 'metadata({ name = "zbuilt", repo = "core", version = "2.0.0", bins = { "zbuilt" }, types = { "source" } })\nfunction package()\n  zcp("${pkgluadir}/zbuilt.sh", "${pkgstore}/bin/zbuilt")\n  zchmod("${pkgstore}/bin/zbuilt", "755")\nend\n',
    'core/zbuilt/zbuilt.sh': '#!/bin/sh\necho built into a zpa\n',
  })
  const git = startGitServer(join(repo, '..'))
  servers.push(git)
  const home = makeTempDir()
  await runZoi(['sync', 'set', `${git.url}/${repo.split('/').pop()}`], { home })
  expect((await runZoi(['sync'], { home })).exitCode).toBe(0)
  const r = await runZoi(['install', 'zbuilt', '--build'], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(r.stderr).toContain('zbuilt-2.0.0-linux-amd64.zpa')
  expect((await runCommand([join(home, '.zoi/pkgs/bin/zbuilt')], { home })).stdout).toBe('built into a zpa\n')
})
