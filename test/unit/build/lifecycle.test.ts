// The build-mode API a definition sees: lifecycle order, verify()'s verdict, cmd(), the z*
// helpers, UTILS.* and how errors name the file and line.
import { afterEach, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { listArchive } from '../../../src/archive/index.ts'
import { entriesOf, failure, fixture, packageWith, removeScratch } from './build-harness.ts'

afterEach(removeScratch)

describe('lifecycle', () => {
  test('prepare, build, package, verify run in that order; BUILD_DIR is shared, SUBPKG is nil without subs', async () => {
    const f = fixture(`metadata({ name = "demo", version = "1" })
local order = {}
function prepare() order[#order + 1] = "prepare" end
function build() order[#order + 1] = "build" end
function package()
  order[#order + 1] = "package"
  zmkdir("\${pkgstore}/" .. table.concat(order, "-") .. "-" .. tostring(SUBPKG))
end
function verify() return #order == 3 end
function test() error("test() only runs when asked") end`)
    const [built] = await f.build()
    expect(await entriesOf(built!.path)).toContain('directory data/pkgstore/prepare-build-package-nil')
  })

  test('verify() returning nil fails the build with the hint about `return true`', async () => {
    const f = fixture(packageWith('', 'function verify() end'))
    const error = await failure(f.build())
    expect(error.code).toBe('BAD_DEFINITION')
    expect(error.message).toBe(`${f.definition}: verify() returned nil; it must return true or false`)
    expect(error.hint).toBe('did you forget to `return true`?')
  })

  test('verify() returning false fails the build (exit 6)', async () => {
    const f = fixture(packageWith('', 'function verify() return false end'))
    const error = await failure(f.build())
    expect(error.exitCode).toBe(6)
    expect(error.message).toBe(`${f.definition}: verify() returned false; the package failed its own checks and was not built`)
  })

  test('verify() returning a string is not a boolean', async () => {
    const f = fixture(packageWith('', 'function verify() return "yes" end'))
    expect((await failure(f.build())).message).toContain('verify() returned a string')
  })

  test('test() runs after verify when asked, and must return true too', async () => {
    const f = fixture(packageWith('', 'function test() return false end'))
    await f.build()
    expect((await failure(f.build({ runTests: true }))).message).toContain('test() returned false')
  })

  test('a Lua runtime error in a lifecycle function is BAD_DEFINITION naming file and line', async () => {
    const f = fixture(packageWith('local t = nil\n  local x = t.field'))
    const error = await failure(f.build())
    expect(error.code).toBe('BAD_DEFINITION')
    expect(error.message).toBe(`${f.definition}:5: attempt to index a nil value (local 't')`)
  })

  test('a runaway lifecycle function hits the instruction budget', async () => {
    const f = fixture(packageWith('while true do end'))
    const error = await failure(f.build({ limits: { instructionBudget: 1_000_000 } }))
    expect(error.message).toBe(`${f.definition}:4: build exceeded its budget of 1000000 Lua instructions`)
  })
})

describe('cmd()', () => {
  test('cmd("echo hi") returns stdout, stderr and the exit code, and runs in BUILD_DIR', async () => {
    const f = fixture(packageWith(`local out, err, code = cmd("echo hi")
  local out2, err2, code2 = cmd("echo oops >&2; exit 3")
  local here = cmd("pwd")
  assert(out == "hi\\n", out) assert(err == "", err) assert(code == 0)
  assert(out2 == "" and err2 == "oops\\n" and code2 == 3)
  assert(here == BUILD_DIR .. "\\n", here .. " vs " .. BUILD_DIR)
  cmd("printf hi > made-by-cmd")
  zcp("made-by-cmd", "\${pkgstore}/made-by-cmd")`))
    const [built] = await f.build()
    expect(built?.files).toEqual(['data/pkgstore/made-by-cmd'])
  })

  test('output with quotes, backslashes, control bytes and UTF-8 reaches Lua unchanged', async () => {
    const f = fixture(packageWith(String.raw`local out = cmd([==[printf '%s' 'q"b\s]]=]' ; printf '\001\nz\303\251']==])
  local expected = 'q"b\\s]]=]' .. "\1\nz\195\169"
  assert(out == expected, string.format("%q", out))
  local big = cmd("yes x | head -c 3000000")
  assert(#big == 3000000)`))
    await f.build()
  })

  test('a command that outlives its timeout is stopped and fails the build', async () => {
    const f = fixture(packageWith('cmd("sleep 30")'))
    // Were it not stopped, `sleep 30` would outlast this test's own timeout.
    const error = await failure(f.build({ commandTimeoutMs: 200 }))
    expect(error.message).toBe(`${f.definition}:4: cmd("sleep 30") did not finish within 200 ms and was stopped`)
  })

  test('a bad argument names the function, the argument and the line', async () => {
    const f = fixture(packageWith('cmd({})'))
    expect((await failure(f.build())).message).toBe(`${f.definition}:4: cmd() expects a string as argument 1 (command), got table`)
  })

  test('pcall around a failing operation gets the definition line, not the sandbox one', async () => {
    const f = fixture(packageWith('local ok, e = pcall(zcp, "nope", "${pkgstore}/x")\n  zmkdir("${pkgstore}/" .. tostring(ok) .. ":" .. e:match(":(%d+):"))'))
    const [built] = await f.build()
    expect(await entriesOf(built!.path)).toContain('directory data/pkgstore/false:4')
  })
})

describe('the z* helpers', () => {
  test('zlicense, zdoc, zchmod with a number, zrm recorded for uninstall', async () => {
    const f = fixture(packageWith(`zlicense("\${pkgluadir}/COPYING")
  zdoc("\${pkgluadir}/docs/guide.md")
  zcp("\${pkgluadir}/tool.sh", "\${pkgstore}/bin/tool")
  zchmod("\${pkgstore}/bin/tool", 755)
  zchmod("\${pkgstore}/LICENSE", "0600")
  zrm("\${usrhome}/.cache/demo")`), { COPYING: 'MIT', 'docs/guide.md': '# guide', 'tool.sh': 'echo' })
    const [built] = await f.build()
    expect(built?.files).toEqual(['data/pkgstore/LICENSE', 'data/pkgstore/bin/tool', 'data/pkgstore/doc/guide.md'])
    const modes = Object.fromEntries((await listArchive(built!.path)).map((e) => [e.path, e.mode]))
    expect(modes['data/pkgstore/bin/tool']).toBe(0o755)
    expect(modes['data/pkgstore/LICENSE']).toBe(0o600)
    expect(built?.removals).toEqual([{ sub: '', path: '${usrhome}/.cache/demo' }])
  })

  test('zchmod refuses modes that are not three octal digits', async () => {
    const f = fixture(packageWith('zmkdir("${pkgstore}/x") zchmod("${pkgstore}/x", 493)'))
    expect((await failure(f.build())).message).toContain('zchmod: mode 493 is not three octal digits')
  })

  test('INCLUDE works in build mode and the included file can define lifecycle functions', async () => {
    const f = fixture('metadata({ name = "demo", version = "1" })\nINCLUDE("common.lua")', {
      'common.lua': 'function package() zmkdir("${pkgstore}/from-include") end',
    })
    expect(await entriesOf((await f.build())[0]!.path)).toContain('directory data/pkgstore/from-include')
  })
})

describe('UTILS', () => {
  test('PARSE.json, PARSE.yaml, PARSE.checksumFile, FS.exists, FIND.file and verifyHash', async () => {
    const text = 'hello\n'
    const sha256 = createHash('sha256').update(text).digest('hex')
    const sha512 = createHash('sha512').update(text).digest('hex')
    const f = fixture(packageWith(`local j = UTILS.PARSE.json('{"a": [1, 2, {"b": "c"}], "n": null}')
  assert(j.a[2] == 2 and j.a[3].b == "c" and j.n == nil)
  local y = UTILS.PARSE.yaml("name: demo\\nlist: [x, y]\\n")
  assert(y.name == "demo" and y.list[2] == "y")
  local sums = "${sha256}  other.txt\\n${sha256}  ./hello.txt\\n"
  assert(UTILS.PARSE.checksumFile(sums, "hello.txt") == "${sha256}")
  assert(UTILS.PARSE.checksumFile(sums, "missing.txt") == nil)
  assert(UTILS.FS.exists("\${pkgluadir}/hello.txt") and not UTILS.FS.exists("nope"))
  cmd("mkdir -p src/deep/er && printf 'hello\\\\n' > src/deep/er/hello.txt")
  local found = UTILS.FIND.file("src", "hello.txt")
  assert(found == "src/deep/er/hello.txt", tostring(found))
  assert(UTILS.FIND.file("src", "none") == nil)
  assert(verifyHash(found, "sha256-${sha256}"))
  assert(verifyHash("\${pkgluadir}/hello.txt", "sha512-${sha512}"))
  assert(not verifyHash(found, "sha512-${'0'.repeat(128)}"))
  zmkdir("\${pkgstore}/ok")`), { 'hello.txt': text })
    expect(await entriesOf((await f.build())[0]!.path)).toContain('directory data/pkgstore/ok')
  })

  test('PARSE.json of broken text and verifyHash with a malformed hash are clear errors', async () => {
    const bad = fixture(packageWith('UTILS.PARSE.json("{nope")'))
    expect((await failure(bad.build())).message).toStartWith(`${bad.definition}:4: UTILS.PARSE.json: invalid JSON`)
    const hash = fixture(packageWith('verifyHash("${pkgluadir}/x", "md5-abc")'), { x: 'x' })
    expect((await failure(hash.build())).message).toBe(`${hash.definition}:4: verifyHash: 'md5-abc' is not "sha256-<hex>" or "sha512-<hex>"`)
  })
})
