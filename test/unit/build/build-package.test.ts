// buildPackage end to end: the example registry's packages, sidecars, reproducibility, platforms,
// versions, split packages, and the promise that a failed build leaves nothing behind.
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { listArchive } from '../../../src/archive/index.ts'
import { buildPackage } from '../../../src/build/index.ts'
import { OFFLINE, REPO, entriesOf, failure, filesIn, fixture, memberText, packageWith, removeScratch, scratch, sha512Of } from './build-harness.ts'

afterEach(removeScratch)

const HELLO = join(REPO, 'examples/registry/core/hello/hello.pkg.lua')
const LIBGREET = join(REPO, 'examples/registry/core/libgreet/libgreet.pkg.lua')

describe('the example registry builds', () => {
  test('hello: archive, definition at the root, valid manifest, and the three sidecars', async () => {
    const out = scratch()
    const [built] = await buildPackage({ definition: HELLO, outputDir: out, platforms: ['linux-amd64'], net: OFFLINE, tempDir: scratch() })
    const archive = join(out, 'hello-1.0.0-linux-amd64.pkg.tar.zst')
    expect(built?.path).toBe(archive)
    expect(await entriesOf(archive)).toEqual([
      'directory data', 'directory data/pkgstore', 'directory data/pkgstore/bin', 'file data/pkgstore/bin/hello',
      'file hello.pkg.lua', 'file manifest.yaml',
    ])
    expect(await memberText(archive, 'hello.pkg.lua')).toBe(readFileSync(HELLO, 'utf8'))
    expect(parseYaml((await memberText(archive, 'manifest.yaml')) ?? '')).toEqual(['data/pkgstore/bin/hello'])

    const sha = sha512Of(archive)
    expect(readFileSync(`${archive}.hash`, 'utf8')).toBe(`${sha}  hello-1.0.0-linux-amd64.pkg.tar.zst\n`)
    expect(built?.sha512).toBe(sha)
    expect(readFileSync(`${archive}.size`, 'utf8')).toBe(`down: ${statSync(archive).size}\ninstall: ${built?.installSize}\n`)
    expect(readFileSync(`${archive}.files`, 'utf8')).toBe('data/pkgstore/bin/hello\n')
    expect(built?.files).toEqual(['data/pkgstore/bin/hello'])
    expect(built?.downSize).toBe(statSync(archive).size)
  })

  test('hello: zchmod("755") made the program executable inside the archive', async () => {
    const out = scratch()
    await buildPackage({ definition: HELLO, outputDir: out, platforms: ['linux-amd64'], net: OFFLINE })
    const bin = (await listArchive(join(out, 'hello-1.0.0-linux-amd64.pkg.tar.zst'))).find((e) => e.path === 'data/pkgstore/bin/hello')
    expect(bin?.mode).toBe(0o755)
  })

  test('libgreet: the stable channel gives the version; the archive holds its data file', async () => {
    const out = scratch()
    const [built] = await buildPackage({ definition: LIBGREET, outputDir: out, platforms: ['linux-amd64'], net: OFFLINE })
    expect(built?.path).toBe(join(out, 'libgreet-1.2.0-linux-amd64.pkg.tar.zst'))
    expect(built?.files).toEqual(['data/pkgstore/share/libgreet/greetings.txt'])
    expect(readFileSync(`${built?.path}.hash`, 'utf8').split('  ')[0]).toBe(sha512Of(built!.path))
  })

  test('building twice gives byte-identical archives (same SHA-512), and the mtime comes from sourceDateEpoch', async () => {
    const a = await buildPackage({ definition: HELLO, outputDir: scratch(), platforms: ['linux-amd64'], net: OFFLINE })
    const b = await buildPackage({ definition: HELLO, outputDir: scratch(), platforms: ['linux-amd64'], net: OFFLINE })
    expect(sha512Of(a[0]!.path)).toBe(sha512Of(b[0]!.path))
    const c = await buildPackage({ definition: HELLO, outputDir: scratch(), platforms: ['linux-amd64'], net: OFFLINE, sourceDateEpoch: 1_700_000_000 })
    expect(c[0]!.sha512).not.toBe(a[0]!.sha512)
    expect((await listArchive(c[0]!.path)).length).toBe((await listArchive(a[0]!.path)).length)
  })
})

describe('platforms and versions', () => {
  test('several platforms at once; a platform the definition excludes is skipped with a report', async () => {
    const f = fixture(packageWith('zcp("${pkgluadir}/a.txt", "${pkgstore}/a.txt")').replace('types = { "source" }', 'platforms = { "linux", "macos-arm64" }'), { 'a.txt': 'a' })
    const built = await f.build({ platforms: ['linux-amd64', 'linux-arm64', 'macos-arm64', 'windows-amd64'] })
    expect(built.map((b) => b.platform)).toEqual(['linux-amd64', 'linux-arm64', 'macos-arm64'])
    expect(filesIn(f.out).filter((n) => n.endsWith('.zst'))).toEqual([
      'demo-1.0.0-linux-amd64.pkg.tar.zst', 'demo-1.0.0-linux-arm64.pkg.tar.zst', 'demo-1.0.0-macos-arm64.pkg.tar.zst',
    ])
    expect(f.events).toContainEqual({ kind: 'info', text: ":: Skipping build for platform windows-amd64: package 'demo' only supports [linux, macos-arm64]" })
  })

  test('SYSTEM.OS and SYSTEM.ARCH are those of the target platform during the build', async () => {
    const f = fixture(packageWith('local o = cmd("printf %s " .. SYSTEM.OS .. "-" .. SYSTEM.ARCH) zmkdir("${pkgstore}/" .. o)'))
    const built = await f.build({ platforms: ['macos-arm64'] })
    expect(await entriesOf(built[0]!.path)).toContain('directory data/pkgstore/macos-arm64')
  })

  test('--platform all is refused like in Zoi', async () => {
    const f = fixture(packageWith(''))
    expect((await failure(f.build({ platforms: ['all'] }))).code).toBe('USAGE')
  })

  test('--version-override names the archive and is ZOI.VERSION and PKG.version inside the build', async () => {
    const f = fixture(`local v = ZOI.VERSION or "0.1.0"
metadata({ name = "demo", version = v, description = "d" })
function package() zmkdir("\${pkgstore}/v-" .. PKG.version .. "-" .. ZOI.VERSION) end`)
    const [built] = await f.build({ versionOverride: '9.9.9' })
    expect(built?.path).toBe(join(f.out, 'demo-9.9.9-linux-amd64.pkg.tar.zst'))
    expect(await entriesOf(built!.path)).toContain('directory data/pkgstore/v-9.9.9-9.9.9')
  })

  test('libgreet with --version-override 2.0.0-beta.1 builds that version', async () => {
    const [built] = await buildPackage({ definition: LIBGREET, outputDir: scratch(), platforms: ['linux-amd64'], net: OFFLINE, versionOverride: '2.0.0-beta.1' })
    expect(built?.path.endsWith('libgreet-2.0.0-beta.1-linux-amd64.pkg.tar.zst')).toBe(true)
  })

  test('a version taken from a URL is refused with a hint', async () => {
    const f = fixture('metadata({ name = "demo", versions = { stable = "https://example.invalid/latest" } })')
    const error = await failure(f.build())
    expect(error.message).toContain('takes its version from a URL')
    expect(error.hint).toContain('--version-override')
  })

  test('build type: requested must be listed; default prefers pre-compiled, then source', async () => {
    const lua = `metadata({ name = "demo", version = "1", types = { "source", "pre-compiled" } })
function package() zmkdir("\${pkgstore}/" .. BUILD_TYPE) end`
    const f = fixture(lua)
    expect(await entriesOf((await f.build())[0]!.path)).toContain('directory data/pkgstore/pre-compiled')
    expect(await entriesOf((await f.build({ buildType: 'source' }))[0]!.path)).toContain('directory data/pkgstore/source')
    const error = await failure(f.build({ buildType: 'nightly' }))
    expect(error.message).toBe("build type 'nightly' is not supported by package 'demo'; supported types: source, pre-compiled")
  })
})

describe('split packages', () => {
  const SPLIT = `metadata({ name = "demo", version = "1.0.0", sub_packages = { "bin", "doc" } })
function package(args)
  assert(args.sub == SUBPKG)
  zcp("\${pkgluadir}/" .. SUBPKG .. ".txt", "\${pkgstore}/" .. SUBPKG .. ".txt")
end`

  test('each sub-package is staged under data/<sub>/ in one archive', async () => {
    const f = fixture(SPLIT, { 'bin.txt': 'b', 'doc.txt': 'd' })
    const [built] = await f.build()
    expect(built?.files).toEqual(['data/bin/pkgstore/bin.txt', 'data/doc/pkgstore/doc.txt'])
    expect(parseYaml((await memberText(built!.path, 'manifest.yaml')) ?? '')).toEqual(built!.files)
  })

  test('--sub builds only the named sub-packages; an unknown one is a usage error', async () => {
    const f = fixture(SPLIT, { 'bin.txt': 'b', 'doc.txt': 'd' })
    expect((await f.build({ subs: ['doc'] }))[0]?.files).toEqual(['data/doc/pkgstore/doc.txt'])
    const error = await failure(f.build({ subs: ['nope'] }))
    expect(error.code).toBe('USAGE')
    expect(error.message).toBe("package 'demo' has no sub-package 'nope' (sub-packages: bin, doc)")
  })
})

describe('a failed build leaves nothing behind', () => {
  test('no archive, no sidecar, no temp folder after a failing package()', async () => {
    const f = fixture(packageWith('zcp("${pkgluadir}/a.txt", "${pkgstore}/a.txt")\nerror("boom")'), { 'a.txt': 'a' })
    const error = await failure(f.build())
    expect(error.code).toBe('BAD_DEFINITION')
    expect(error.message).toBe(`${f.definition}:5: boom`)
    expect(filesIn(f.out)).toEqual([])
    expect(filesIn(f.temp)).toEqual([])
  })

  test('an archive the writer refuses (a link out of the package) leaves no partial file', async () => {
    const f = fixture(packageWith('cmd("mkdir -p " .. STAGING_DIR .. "/data/pkgstore && ln -s /etc/passwd " .. STAGING_DIR .. "/data/pkgstore/evil")'))
    const error = await failure(f.build())
    expect(error.code).toBe('UNSAFE_PATH')
    expect(filesIn(f.out)).toEqual([])
    expect(filesIn(f.temp)).toEqual([])
  })

  test('the temp folder is also removed after a success', async () => {
    const f = fixture(packageWith(''))
    await f.build()
    expect(filesIn(f.temp)).toEqual([])
    expect(existsSync(join(f.out, 'demo-1.0.0-linux-amd64.pkg.tar.zst'))).toBe(true)
  })

  test('a missing definition is NOT_FOUND', async () => {
    const error = await failure(buildPackage({ definition: join(scratch(), 'nope.pkg.lua'), net: OFFLINE }))
    expect(error.code).toBe('NOT_FOUND')
  })
})
