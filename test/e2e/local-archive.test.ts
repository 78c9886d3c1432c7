/** Installing archive files given on the command line: `install ./x.pkg.tar.zst`, `package install`. */
import { describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { writeTarZst, type TarSpec } from '../support/make-archive.ts'
import { formatResult, makeTempDir, runCommand, runZoi, ZOI_BIN } from '../support/run-cli.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const DEF = (name: string) => `metadata({ name = "${name}", version = "1.0.0", bins = { "${name}" } })\n`

test('install ./archive: no registry needed; dependencies must be satisfiable', async () => {
  const home = makeTempDir()
  const zoi = (...a: string[]) => runZoi(a, { home })
  for (const n of ['hello', 'libgreet']) await zoi('package', 'build', join(EXAMPLES, 'core', n, `${n}.pkg.lua`), '-o', join(home, 'out'))
  const missingDep = await zoi('install', './out/hello-1.0.0-linux-amd64.pkg.tar.zst')
  expect(missingDep.exitCode, formatResult(missingDep)).toBe(4)
  expect(missingDep.stderr).toContain('libgreet')
  const r = await zoi('install', './out/libgreet-1.2.0-linux-amd64.pkg.tar.zst', './out/hello-1.0.0-linux-amd64.pkg.tar.zst', '--offline')
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(r.stdout).toBe('installed libgreet 1.2.0\ninstalled hello 1.0.0\n')
  expect((await runCommand([join(home, '.zoi/pkgs/bin/hello')], { home })).stdout).toContain('Hello from zoi!')
  expect(JSON.parse((await zoi('list', '--json')).stdout).map((p: { registry: string }) => p.registry)).toEqual(['local', 'local'])
})

test('package install verifies a .hash lying beside the archive', async () => {
  const home = makeTempDir()
  const zoi = (...a: string[]) => runZoi(a, { home })
  await zoi('package', 'build', join(EXAMPLES, 'core/libgreet/libgreet.pkg.lua'), '-o', join(home, 'out'))
  const hashFile = join(home, 'out/libgreet-1.2.0-linux-amd64.pkg.tar.zst.hash')
  writeFileSync(hashFile, readFileSync(hashFile, 'utf8').replace(/^./, (c) => (c === '0' ? '1' : '0')))
  const r = await zoi('package', 'install', 'out/libgreet-1.2.0-linux-amd64.pkg.tar.zst')
  expect(r.exitCode, formatResult(r)).toBe(6)
  expect(r.stderr).toContain('checksum mismatch for libgreet-1.2.0-linux-amd64.pkg.tar.zst')
  expect((await zoi('list', '--json')).stdout.trim()).toBe('[]')
  // Regression (one read per archive): the mismatch is known only once the archive was fully
  // extracted into staging, and that extraction is gone again.
  const tmp = join(home, '.zoi/pkgs/tmp')
  expect(existsSync(tmp) ? readdirSync(tmp).filter((n) => n.startsWith('stage-')) : []).toEqual([])
  expect(existsSync(join(home, '.zoi/pkgs/store')) ? readdirSync(join(home, '.zoi/pkgs/store')) : []).toEqual([])
  // The pkg-dir copy is never deleted for a mismatch; only cache files are.
  expect(existsSync(join(home, 'out/libgreet-1.2.0-linux-amd64.pkg.tar.zst'))).toBe(true)
})

test('a hostile archive (path traversal) installs nothing: exit 6', async () => {
  const home = makeTempDir()
  const file = join(home, 'evil-1.0.0-linux-amd64.pkg.tar.zst')
  await writeTarZst(file, [
    { name: 'evil.pkg.lua', content: DEF('evil') },
    { name: 'data/pkgstore/bin/evil', content: '#!/bin/sh\n' },
    { name: 'data/pkgstore/../../../../escaped', content: 'x' },
  ])
  const r = await runZoi(['install', file], { home })
  expect(r.exitCode, formatResult(r)).toBe(6)
  expect(existsSync(join(home, '.zoi/pkgs/escaped'))).toBe(false)
  expect(existsSync(join(home, 'escaped'))).toBe(false)
  expect(existsSync(join(home, '.zoi/pkgs/bin/evil'))).toBe(false)
  const store = join(home, '.zoi/pkgs/store')
  expect(existsSync(store) ? readdirSync(store) : []).toEqual([])
})

test('a truncated archive and a file that is not an archive: exit 6 naming the file', async () => {
  const home = makeTempDir()
  const good = join(home, 'ok-1.0.0-linux-amd64.pkg.tar.zst')
  await writeTarZst(good, [{ name: 'ok.pkg.lua', content: DEF('ok') }, { name: 'data/pkgstore/bin/ok', content: 'x'.repeat(100_000) }])
  const bytes = readFileSync(good)
  const cut = join(home, 'cut-1.0.0-linux-amd64.pkg.tar.zst')
  writeFileSync(cut, bytes.subarray(0, bytes.length - 50))
  const junk = join(home, 'junk-1.0.0-linux-amd64.pkg.tar.zst')
  writeFileSync(junk, 'not an archive at all')
  for (const f of [cut, junk]) {
    const r = await runZoi(['install', f], { home })
    expect(r.exitCode, formatResult(r)).toBe(6)
    expect(r.stderr).toContain(f.split('/').pop()!)
  }
  expect((await runZoi(['list', '--json'], { home })).stdout.trim()).toBe('[]')
})

test('package extract unpacks with the safety checks; a non-empty target is refused', async () => {
  const home = makeTempDir()
  await runZoi(['package', 'build', join(EXAMPLES, 'core/hello/hello.pkg.lua'), '-o', join(home, 'out')], { home })
  const archive = join(home, 'out/hello-1.0.0-linux-amd64.pkg.tar.zst')
  const r = await runZoi(['package', 'extract', archive, join(home, 'x')], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(readFileSync(join(home, 'x/data/pkgstore/bin/hello'), 'utf8')).toContain('Hello from zoi!')
  expect(readFileSync(join(home, 'x/hello.pkg.lua'), 'utf8')).toContain('name = "hello"')
  const again = await runZoi(['package', 'extract', archive, join(home, 'x')], { home })
  expect(again.exitCode).toBe(4)
  expect(again.stderr).toContain('is not empty')
})

test('an extraction failing in the last package installs none of the set and leaves no staging folder behind', async () => {
  const home = makeTempDir()
  const good = join(home, 'alpha-1.0.0-linux-amd64.pkg.tar.zst')
  const evil = join(home, 'zulu-1.0.0-linux-amd64.pkg.tar.zst')
  await writeTarZst(good, [{ name: 'alpha.pkg.lua', content: DEF('alpha') }, { name: 'data/pkgstore/bin/alpha', content: '#!/bin/sh\n' }])
  await writeTarZst(evil, [{ name: 'zulu.pkg.lua', content: DEF('zulu') }, { name: 'data/pkgstore/../../x', content: 'x' }])
  const r = await runZoi(['install', good, evil], { home })
  expect(r.exitCode, formatResult(r)).toBe(6)
  expect(r.stderr).toContain("zulu-1.0.0-linux-amd64.pkg.tar.zst: entry 'data/pkgstore/../../x' contains a '..' segment")
  const tmp = join(home, '.zoi/pkgs/tmp')
  expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([])
  // One changeset: every archive is extracted and checked before the first package commits.
  expect(JSON.parse((await runZoi(['list', '--json'], { home })).stdout)).toEqual([])
  expect(existsSync(join(home, '.zoi/pkgs/bin/alpha'))).toBe(false)
})

test('install ./name.pkg.lua[@version]: built for this platform, then installed', async () => {
  const home = makeTempDir()
  const r = await runZoi(['install', join(EXAMPLES, 'core/libgreet/libgreet.pkg.lua'), `${join(EXAMPLES, 'core/hello/hello.pkg.lua')}@1.3.0`, '--offline'], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
  expect(r.stdout).toBe('installed libgreet 1.2.0\ninstalled hello 1.3.0\n')
  expect((await runCommand([join(home, '.zoi/pkgs/bin/hello')], { home })).stdout).toContain('Hello from zoi!')
  expect(readdirSync(join(home, '.zoi/pkgs/tmp'))).toEqual([])
  const bad = await runZoi(['install', join(home, 'missing.pkg.lua')], { home })
  expect(bad.exitCode).toBe(3)
  expect(bad.stderr).toContain('missing.pkg.lua')
})

describe('several archives: two are extracted at once, one on a second thread', () => {
  const archive = async (dir: string, name: string, extra: TarSpec[] = []) => {
    const file = join(dir, `${name}-1.0.0-linux-amd64.pkg.tar.zst`)
    await writeTarZst(file, [
      { name: `${name}.pkg.lua`, content: DEF(name) },
      { name: `data/pkgstore/bin/${name}`, content: `#!/bin/sh\necho ${name}\n`, mode: 0o755 },
      { name: `data/pkgstore/share/${name}/data`, content: `${name}\n`.repeat(1000) },
      ...extra,
    ])
    return file
  }

  test('every archive is installed whole, whichever thread extracted it', async () => {
    const home = makeTempDir()
    const files = []
    for (const n of ['one', 'two', 'three', 'four', 'five']) files.push(await archive(home, n))
    const r = await runZoi(['install', ...files], { home })
    expect(r.exitCode, formatResult(r)).toBe(0)
    for (const n of ['one', 'two', 'three', 'four', 'five']) expect((await runCommand([join(home, `.zoi/pkgs/bin/${n}`)], { home })).stdout).toBe(`${n}\n`)
    const check = await runZoi(['check'], { home })
    expect(check.exitCode, formatResult(check)).toBe(0)
    expect(readdirSync(join(home, '.zoi/pkgs/tmp')).filter((n) => n.startsWith('stage-'))).toEqual([])
  })

  test.skipIf(!Bun.which('strace'))('the archives are written by two threads (strace -f names the thread of each file it creates)', async () => {
    const home = makeTempDir()
    const files = []
    for (const n of ['one', 'two', 'three', 'four']) files.push(await archive(home, n))
    const log = join(home, 'strace.log')
    const r = await runCommand([Bun.which('strace')!, '-f', '-qq', '-e', 'trace=openat', '-o', log, ZOI_BIN, 'install', ...files], { home })
    expect(r.exitCode, formatResult(r)).toBe(0)
    const creators = new Set((await Bun.file(log).text()).split('\n').filter((l) => /O_EXCL/.test(l) && /\/archive\/data\/pkgstore\/bin\//.test(l)).map((l) => l.split(' ')[0]))
    expect(creators.size).toBe(2)
  })

  for (const at of [0, 1, 2]) {
    test(`a hostile archive at position ${at + 1} of three: exit 6, nothing installed, no staging left`, async () => {
      const home = makeTempDir()
      const names = ['alpha', 'beta', 'gamma']
      const files = []
      for (const [i, n] of names.entries()) files.push(await archive(home, n, i === at ? [{ name: 'data/pkgstore/../../../../escaped', content: 'x' }] : []))
      const r = await runZoi(['install', ...files], { home })
      expect(r.exitCode, formatResult(r)).toBe(6)
      expect(r.stderr).toContain(`${names[at]}-1.0.0-linux-amd64.pkg.tar.zst`)
      expect(r.stderr).not.toContain('    at ')
      expect((await runZoi(['list', '--json'], { home })).stdout.trim()).toBe('[]')
      expect(existsSync(join(home, 'escaped'))).toBe(false)
      const tmp = join(home, '.zoi/pkgs/tmp')
      expect(existsSync(tmp) ? readdirSync(tmp).filter((n) => n.startsWith('stage-')) : []).toEqual([])
      const store = join(home, '.zoi/pkgs/store')
      expect(existsSync(store) ? readdirSync(store) : []).toEqual([])
    })
  }
})
