// Each test is named after the attack it stops: a definition trying to make a build operation
// write (or read) outside the folder its placeholder names. Every attempt must fail with
// UNSAFE_PATH (exit 6) and leave the host untouched and no archive behind.
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { entriesOf, failure, filesIn, fixture, packageWith, removeScratch } from './build-harness.ts'

afterEach(removeScratch)

async function refused(body: string, files: Record<string, string> = { 'x': 'x' }, expected?: string): Promise<string> {
  const f = fixture(packageWith(body), files)
  const error = await failure(f.build())
  expect(error.code).toBe('UNSAFE_PATH')
  expect(error.exitCode).toBe(6)
  expect(filesIn(f.out)).toEqual([])
  if (expected !== undefined) expect(error.message).toBe(`${f.definition}:${expected}`)
  return error.message
}

describe('destinations stay inside their placeholder root', () => {
  test('zcp("${pkgluadir}/x", "${pkgstore}/../../etc/passwd") is refused at the line that called it', async () => {
    await refused('zcp("${pkgluadir}/x", "${pkgstore}/../../etc/passwd")', undefined,
      "4: zcp: '${pkgstore}/../../etc/passwd' escapes ${pkgstore}")
  })

  test('a deeper climb that dips back in and out: ${usrhome}/a/../../x', async () => {
    expect(await refused('zcp("${pkgluadir}/x", "${usrhome}/a/../../x")')).toContain('escapes ${usrhome}')
  })

  test('backslash separators do not hide a climb: ${usrroot}\\..\\..\\x', async () => {
    expect(await refused('zcp("${pkgluadir}/x", "${usrroot}\\\\..\\\\..\\\\x")')).toContain('escapes ${usrroot}')
  })

  test('an absolute destination is refused', async () => {
    expect(await refused('zcp("${pkgluadir}/x", "/tmp/zoi-pwned")')).toContain("destination '/tmp/zoi-pwned' must start with ${pkgstore}")
    expect(existsSync('/tmp/zoi-pwned')).toBe(false)
  })

  test('an absolute path into STAGING_DIR is not a destination either (use the placeholders)', async () => {
    await refused('zcp("${pkgluadir}/x", STAGING_DIR .. "/data/pkgstore/x")')
  })

  test('a placeholder in the middle of a path is refused', async () => {
    expect(await refused('zcp("${pkgluadir}/x", "/etc/${pkgstore}/x")')).toContain('not at its start')
  })

  test('zmkdir, zchmod and zrm follow the same rules', async () => {
    await refused('zmkdir("${pkgstore}/../../outside")')
    await refused('zchmod("${pkgstore}/../../../x", "755")')
    await refused('zrm("${pkgstore}/../x")')
    await refused('zmkdir("../outside-build-dir")')
  })
})

describe('symlink tricks', () => {
  test('a link planted by zln cannot be written through by zcp', async () => {
    const message = await refused(`zln("bin", "\${pkgstore}/escape")
  zcp("\${pkgluadir}/x", "\${pkgstore}/escape/x")`)
    expect(message).toContain("'${pkgstore}/escape' is a symlink")
  })

  test('a link to / planted by cmd() in staging cannot be written through', async () => {
    const message = await refused(`cmd("mkdir -p " .. STAGING_DIR .. "/data/pkgstore && ln -s / " .. STAGING_DIR .. "/data/pkgstore/root")
  zcp("\${pkgluadir}/x", "\${pkgstore}/root/tmp/zoi-pwned")`)
    expect(message).toContain("'${pkgstore}/root' is a symlink")
    expect(existsSync('/tmp/zoi-pwned')).toBe(false)
  })

  test('zcp onto an existing link in staging is refused instead of overwriting its target', async () => {
    const f = fixture(packageWith(''), {})
    const victim = join(f.dir, 'victim.txt')
    writeFileSync(victim, 'precious')
    const g = fixture(packageWith(`cmd("mkdir -p " .. STAGING_DIR .. "/data/pkgstore && ln -s ${victim} " .. STAGING_DIR .. "/data/pkgstore/file")
  zcp("\${pkgluadir}/x", "\${pkgstore}/file")`), { x: 'evil' })
    expect((await failure(g.build())).code).toBe('UNSAFE_PATH')
    expect(readFileSync(victim, 'utf8')).toBe('precious')
  })

  test('zchmod on a link is refused (chmod would change the file it points at)', async () => {
    const f = fixture(packageWith(''), {})
    const victim = join(f.dir, 'victim.txt')
    writeFileSync(victim, 'x')
    await refused(`cmd("ln -s ${victim} link") zchmod("link", "777")`)
  })

  test('zln targets: a link may not point out of its root, nor across roots', async () => {
    expect(await refused('zln("../../../etc/passwd", "${pkgstore}/bin/passwd")')).toContain('escapes ${pkgstore}')
    expect(await refused('zln("/etc/passwd", "${pkgstore}/passwd")')).toContain('only allowed for links in ${usrroot}')
    expect(await refused('zln("${usrroot}/etc/passwd", "${pkgstore}/passwd")')).toContain('is outside ${pkgstore}')
  })

  test('a ${pkgluadir} source that is a symlink to a host file is not copied (a hostile registry)', async () => {
    const f = fixture(packageWith('zcp("${pkgluadir}/secret", "${pkgstore}/secret")'), {})
    const outside = join(f.dir, 'id_rsa')
    writeFileSync(outside, 'PRIVATE KEY')
    symlinkSync(outside, join(f.dir, 'pkg/demo/secret'))
    const error = await failure(f.build())
    expect(error.code).toBe('UNSAFE_PATH')
    expect(error.message).toContain('leads outside ${pkgluadir} through a symlink')
  })

  test('sources may not climb out of the definition folder or BUILD_DIR, nor be absolute elsewhere', async () => {
    expect(await refused('zcp("${pkgluadir}/../../../etc/passwd", "${pkgstore}/p")')).toContain('escapes ${pkgluadir}')
    expect(await refused('zcp("../../etc/passwd", "${pkgstore}/p")')).toContain('escapes BUILD_DIR')
    expect(await refused('zcp("/etc/passwd", "${pkgstore}/p")')).toContain("'/etc/passwd' is outside the build")
  })
})

describe('what is allowed still works', () => {
  test('.. inside the root, relative links, absolute links in ${usrroot}, BUILD_DIR sources', async () => {
    const f = fixture(packageWith(`cmd("mkdir -p out && echo built > out/tool")
  zcp(BUILD_DIR .. "/out/tool", "\${pkgstore}/bin/../libexec/tool")
  zcp("out", "\${pkgstore}/share/out")
  zln("\${pkgstore}/libexec/tool", "\${pkgstore}/bin/tool")
  zln("/usr/lib/demo/tool", "\${usrroot}/usr/bin/demo")
  zmkdir("\${usrroot}/usr/lib/demo")
  zcp("\${pkgluadir}/x", "\${usrroot}/usr/lib/demo/tool")`), { x: 'x' })
    const [built] = await f.build()
    expect(await entriesOf(built!.path)).toEqual([
      'directory data', 'directory data/pkgstore', 'directory data/pkgstore/bin',
      'symlink data/pkgstore/bin/tool -> ../libexec/tool',
      'directory data/pkgstore/libexec', 'file data/pkgstore/libexec/tool',
      'directory data/pkgstore/share', 'directory data/pkgstore/share/out', 'file data/pkgstore/share/out/tool',
      'directory data/usrroot', 'directory data/usrroot/usr', 'directory data/usrroot/usr/bin',
      'symlink data/usrroot/usr/bin/demo -> ../lib/demo/tool',
      'directory data/usrroot/usr/lib', 'directory data/usrroot/usr/lib/demo', 'file data/usrroot/usr/lib/demo/tool',
      'file demo.pkg.lua', 'file manifest.yaml',
    ])
  })

  test('a build operation at the top level is refused with its line (top-level code also runs for metadata)', async () => {
    const f = fixture(`metadata({ name = "demo", version = "1" })\nif BUILD_DIR then zmkdir("\${pkgstore}/x") end`)
    mkdirSync(f.out, { recursive: true })
    const error = await failure(f.build())
    expect(error.code).toBe('BAD_DEFINITION')
    expect(error.message).toBe(`${f.definition}:2: zmkdir() is only available inside prepare(), build(), package(), verify() and test()`)
  })
})
