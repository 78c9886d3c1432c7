// Each test is named after the attack it stops. After every hostile definition the SAME
// evaluator must still read a good one: one bad file in a registry must not break sync.
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEvaluator, prepareEvaluator } from '../../../src/lua/index.ts'
import { WARM_UP, warmUpCount } from '../../../src/lua/evaluator.ts'
import { evaluateWith, failureOf } from './evaluate-harness.ts'

const evaluator = createEvaluator()
afterAll(() => evaluator.close())

const GOOD = 'metadata({ name = "good", version = "1.0.0", bins = { ("x"):rep(2) } })'

async function expectStillUsable(): Promise<void> {
  const spec = await evaluateWith(evaluator, GOOD)
  expect(spec.name).toBe('good')
  expect(spec.bins).toEqual(['xx'])
}

/** Runs a definition that must fail; returns its message. */
async function hostile(lua: string): Promise<{ message: string }> {
  const error = await failureOf(evaluateWith(evaluator, lua))
  expect(error.code).toBe('BAD_DEFINITION')
  await expectStillUsable()
  return { message: error.message }
}

describe('no way out to the machine', () => {
  test('os.execute("touch /tmp/pwned") fails and creates nothing', async () => {
    const marker = join(tmpdir(), `zoi-lua-pwned-${process.pid}-${Date.now()}`)
    const existedBefore = existsSync('/tmp/pwned')
    const { message } = await hostile(`os.execute("touch /tmp/pwned") os.execute("touch ${marker}")`)
    expect(message).toBe("core/x/x.pkg.lua:1: attempt to call a nil value (field 'execute')")
    expect(existsSync(marker)).toBe(false)
    if (!existedBefore) expect(existsSync('/tmp/pwned')).toBe(false)
  })

  const ABSENT: [string, string][] = [
    ['reading or writing files with io.open', 'io'],
    ['running commands with io.popen', 'io'],
    ['deleting files with os.remove', 'os.remove'],
    ['moving files with os.rename', 'os.rename'],
    ['killing the process with os.exit', 'os.exit'],
    ['reading secrets with os.getenv', 'os.getenv'],
    ['creating files with os.tmpname', 'os.tmpname'],
    ['loading native code with require', 'require'],
    ['running files from disk with dofile', 'dofile'],
    ['loading files from disk with loadfile', 'loadfile'],
    ['removing the instruction hook with debug.sethook', 'debug'],
    ['reaching the registry with debug.getregistry', 'debug'],
    ['forcing or stopping the collector with collectgarbage', 'collectgarbage'],
    ['yielding across the host with coroutines', 'coroutine'],
  ]
  for (const [attack, name] of ABSENT) {
    test(`${attack}: ${name} is not there`, async () => {
      const spec = await evaluateWith(evaluator, `metadata({ name = "probe", version = "1", description = type(${name}) })`)
      expect(spec.description).toBe('nil')
    })
  }

  test('loading native code with package.loadlib: package is only the lifecycle stub', async () => {
    const spec = await evaluateWith(evaluator, `
      local ok = pcall(function() return package.loadlib end)
      metadata({ name = "probe", version = "1", tags = { type(package), tostring(ok) } })`)
    expect(spec.tags).toEqual(['function', 'false'])
  })

  test('loading a binary chunk (crafted bytecode) with load is refused', async () => {
    const spec = await evaluateWith(evaluator, `
      local f, msg = load("\\27Lua\\84\\0\\25\\147\\r\\n\\26\\n")
      metadata({ name = "probe", version = "1", description = tostring(f) .. " / " .. msg })`)
    expect(spec.description).toBe("nil / attempt to load a binary chunk (mode is 't')")
  })

  test('a definition file that is itself a binary chunk is refused', async () => {
    const { message } = await hostile('\x1bLua\x54\x00\x19\x93\r\n\x1a\n')
    expect(message).toBe("core/x/x.pkg.lua: attempt to load a binary chunk (mode is 't')")
  })

  test('string.dump (making bytecode) is gone, also through the string metatable', async () => {
    const spec = await evaluateWith(evaluator, `metadata({ name = "probe", version = "1", tags = { type(string.dump), type(("").dump) } })`)
    expect(spec.tags).toEqual(['nil', 'nil'])
  })

  test('load without an environment does not reach the real globals', async () => {
    const spec = await evaluateWith(evaluator, `metadata({ name = "probe", version = "1", description = type(load("return io")()) .. type(load("return _G")().metadata) })`)
    expect(spec.description).toBe('nilfunction')
  })
})

describe('no poisoning of the next definition', () => {
  test('the shared string metatable is hidden', async () => {
    const spec = await evaluateWith(evaluator, `metadata({ name = "probe", version = "1", description = tostring(getmetatable("")) })`)
    expect(spec.description).toBe('false')
  })

  test('replacing library functions and setting globals stays inside one definition', async () => {
    await evaluateWith(evaluator, `
      string.rep = function() return "poisoned" end
      table.insert = nil
      metadata = nil
      LEAKED = "yes"
      _G.SYSTEM = { OS = "evil" }
      metadata = function() end`).catch(() => undefined)
    const spec = await evaluateWith(evaluator, `
      local t = {} table.insert(t, string.rep("a", 2))
      metadata({ name = "next", version = "1", tags = { t[1], tostring(LEAKED), SYSTEM.OS } })`)
    expect(spec.tags).toEqual(['aa', 'nil', 'linux'])
  })

  test('writes into every library, _G and its metatable stay inside one definition', async () => {
    // Each definition gets fresh copies of the libraries (one prebuilt table constructor).
    await evaluateWith(evaluator, `
      string.upper = nil string.mine = 1 table.concat = nil math.pi = 3 math.floor = nil
      utf8.char = nil os.time = nil os.mine = true
      rawset(_G, "print", 1) _G.pairs = nil _G.tostring = function() return "poisoned" end
      setmetatable(_G, { __index = function() return "from metatable" end })
      metadata({ name = "first", version = "1" })`)
    const spec = await evaluateWith(evaluator, `
      metadata({ name = "next", version = "1", tags = {
        string.upper("a"), tostring(string.mine), table.concat({ "b", "c" }), tostring(math.pi == 3), tostring(math.floor(2.5)),
        utf8.char(72), type(os.time()), tostring(os.mine), type(print), type(pairs), tostring(getmetatable(_G)), tostring(UNSET),
      } })`)
    expect(spec.tags).toEqual(['A', 'nil', 'bc', 'false', '2', 'H', 'number', 'nil', 'function', 'function', 'nil', 'nil'])
  })

  test('a __gc finalizer (code running later, outside the budget) is refused', async () => {
    const { message } = await hostile(`setmetatable({}, { __gc = function() while true do end end })`)
    expect(message).toBe('core/x/x.pkg.lua:1: __gc metamethods are not allowed in package definitions')
  })
})

describe('no hanging, no exhausting memory', () => {
  test('infinite loop (while true do end) stops on the instruction budget', async () => {
    const { message } = await hostile('\nwhile true do end')
    // On a busy machine the wall-clock limit may stop it first: either way a sandbox limit did.
    expect(message).toMatch(/^core\/x\/x\.pkg\.lua:2: evaluation (exceeded its budget of 10000000 Lua instructions|took longer than \d+ ms)$/)
  })

  test('an infinite loop that catches the budget error with pcall still stops', async () => {
    const { message } = await hostile('while true do pcall(function() while true do end end) end')
    expect(message).toMatch(/evaluation (exceeded its budget|took longer than \d+ ms)/)
  })

  test('a slow definition stops on the wall-clock limit', async () => {
    const slow = createEvaluator({ instructionBudget: 1e12, timeLimitMs: 50 })
    try {
      const error = await failureOf(evaluateWith(slow, 'local n = 0 while true do n = n + 1 end'))
      expect(error.message).toBe('core/x/x.pkg.lua:1: evaluation took longer than 50 ms')
      expect((await evaluateWith(slow, GOOD)).name).toBe('good')
    } finally {
      slow.close()
    }
  })

  test('a sandbox prepared ahead (a sync preparing while it fetches) goes to one evaluator with the default limits, never to one with its own', async () => {
    prepareEvaluator()
    const tight = createEvaluator({ instructionBudget: 10_000 })
    const plain = createEvaluator()
    const other = createEvaluator()
    try {
      // 100,000 loop steps: far under the default budget of 10 million instructions, far over 10,000.
      const counting = `local n = 0 for i = 1, 100000 do n = n + i end ${GOOD}`
      // The tight evaluator built its own sandbox: its budget applies.
      const error = await failureOf(evaluateWith(tight, counting))
      expect(error.message).toMatch(/evaluation exceeded its budget/)
      // The prepared one has the default limits, like a fresh one, and is not shared.
      expect((await evaluateWith(plain, counting)).name).toBe('good')
      const loop = await failureOf(evaluateWith(plain, 'while true do end'))
      expect(loop.message).toMatch(/evaluation (exceeded its budget|took longer than \d+ ms)/)
      expect((await evaluateWith(plain, GOOD)).name).toBe('good')
      plain.close()
      expect((await evaluateWith(other, GOOD)).bins).toEqual(['xx'])
    } finally {
      tight.close()
      plain.close()
      other.close()
    }
  })

  test('a sandbox prepared to warm up (a new clone fetching) evaluates a definition of its own until an evaluator takes it, then stops; one prepared without warm-up runs nothing', async () => {
    // Waits for the warm-up however busy the machine is (the test runner's timeout ends a hang).
    const until = async (done: () => boolean) => {
      while (!done()) await Bun.sleep(5)
    }
    const turn = () => new Promise((resolve) => setImmediate(resolve))
    // The warm-up definition is a good one: it is what the warm-up evaluates, and a broken one would warm nothing.
    const spec = await evaluateWith(evaluator, WARM_UP.source)
    expect([spec.name, spec.version, spec.bins]).toEqual(['zoi-warm-up', '1.4.2', ['zoi-warm-up']])

    const before = warmUpCount()
    prepareEvaluator({ warmUp: true })
    await until(() => warmUpCount() - before >= 20)
    expect(warmUpCount() - before).toBeGreaterThanOrEqual(20)
    const taker = createEvaluator() // takes the prepared sandbox
    try {
      expect((await evaluateWith(taker, GOOD)).bins).toEqual(['xx'])
      // The warm-up yields to the event loop only between slices: once a turn of it has passed,
      // the slice it was in has ended, and a warm-up still going would run the next one within
      // two more turns.
      await turn()
      const taken = warmUpCount()
      await turn()
      await turn()
      expect(warmUpCount()).toBe(taken)
      expect((await evaluateWith(taker, `${GOOD} metadata({ description = "after the warm-up" })`)).description).toBe('after the warm-up')
    } finally {
      taker.close()
    }

    // An evaluator takes the prepared sandbox when it first needs one.
    const takePrepared = async () => {
      const e = createEvaluator()
      await e.prepare()
      e.close()
    }
    // A warm-up, had one started, runs its first evaluation as soon as the sandbox is ready, before
    // the evaluator that takes it (it asked first): so once that evaluator has it, no run means none started.
    const quiet = warmUpCount()
    prepareEvaluator()
    await takePrepared()
    await turn()
    expect(warmUpCount()).toBe(quiet)

    // 1,500 runs in all for the thread: once there, a later sync's warm-up (its next registry) runs none.
    prepareEvaluator({ warmUp: true })
    await until(() => warmUpCount() >= 1500)
    expect(warmUpCount()).toBe(1500)
    await takePrepared()
    prepareEvaluator({ warmUp: true })
    await takePrepared()
    await turn()
    expect(warmUpCount()).toBe(1500)
  })

  test('the warm-up never keeps a process alive: one whose work ends while it runs exits without finishing it', async () => {
    const script = join(tmpdir(), `zoi-warm-up-exit-${process.pid}.ts`)
    await Bun.write(script, `
      import { prepareEvaluator, warmUpCount } from ${JSON.stringify(join(import.meta.dir, '../../../src/lua/evaluator.ts'))}
      prepareEvaluator({ warmUp: true })
      while (warmUpCount() === 0) await Bun.sleep(2) // the warm-up has started; the command's work ends here
      process.on('exit', () => console.log(warmUpCount()))
    `)
    try {
      const run = Bun.spawnSync([process.execPath, script], { stderr: 'pipe' })
      expect(run.stderr.toString()).toBe('')
      expect(run.exitCode).toBe(0)
      const count = Number(run.stdout.toString().trim())
      expect(count).toBeGreaterThan(0)
      expect(count).toBeLessThan(1500)
    } finally {
      await Bun.file(script).delete()
    }
  })

  test('a huge string (string.rep("x", 1e9)) hits the memory limit', async () => {
    const { message } = await hostile('local s = string.rep("x", 1e9)')
    expect(message).toBe('core/x/x.pkg.lua: evaluation used more than 32 MiB of memory')
  })

  test('garbage beyond the memory limit is collected, not counted (2,000 dropped 20 kB strings)', async () => {
    const spec = await evaluateWith(evaluator, `
      local n = 0
      for i = 1, 2000 do local s = string.rep("x", 20000) .. i n = n + #s end
      metadata({ name = "garbage", version = "1", description = tostring(n) })`)
    expect(spec.description).toBe(String(2000 * 20000 + 6893)) // 6,893: the digits of i
  })

  test('repeated concatenation to 50 MB+ hits the memory limit', async () => {
    const { message } = await hostile('local s = "x" while #s < 60 * 1024 * 1024 do s = s .. s end')
    expect(message).toBe('core/x/x.pkg.lua: evaluation used more than 32 MiB of memory')
  })

  test('a 1 GB allocation does not take the process down, even when caught with pcall', async () => {
    const spec = await evaluateWith(evaluator, `
      local ok, err = pcall(string.rep, "x", 1024 * 1024 * 1024)
      metadata({ name = "probe", version = "1", description = tostring(ok) .. ": " .. err })`)
    expect(spec.description).toBe('false: not enough memory')
    await expectStillUsable()
  })

  test('unbounded recursion is an error', async () => {
    const { message } = await hostile('local function f() return 1 + f() end f()')
    expect(message).toMatch(/^core\/x\/x\.pkg\.lua(:1)?: (stack overflow|evaluation used more than)/)
  })

  test('deeply nested source (exhausting the C stack of the parser) is an error', async () => {
    const { message } = await hostile(`local x = ${'('.repeat(100_000)}1${')'.repeat(100_000)}`)
    expect(message).toContain('C stack overflow')
  })

  test('a C function as metamethod (table.insert over __len = 2^50 with __index = rawlen) stops', async () => {
    const { message } = await hostile(`
      local t = setmetatable({}, { __index = rawlen, __newindex = rawset, __len = function() return 2^50 end })
      table.insert(t, 1, "x")`)
    expect(message).toMatch(/evaluation (exceeded its budget|used more than)/)
  })

  test('a 2 MB INCLUDE path and ZOI.VERSION (overflowing the small wasm C stack) are plain errors', async () => {
    const { message } = await hostile('INCLUDE(string.rep("a", 2 * 1024 * 1024))')
    expect(message).toStartWith('core/x/x.pkg.lua:1: INCLUDE("aaaa')
    expect(message).toEndWith(': no such file next to core/x/x.pkg.lua')
    const error = await failureOf(evaluateWith(evaluator, 'metadata({ name = "v", version = ZOI.VERSION })', { version: '1'.repeat(2 * 1024 * 1024) }))
    expect(error.message).toContain("metadata 'version'")
    await expectStillUsable()
  })

  test('string.rep of an empty string 2^50 times answers at once', async () => {
    const spec = await evaluateWith(evaluator, `metadata({ name = "probe", version = "1", description = "[" .. string.rep("", 2^50) .. "]" })`)
    expect(spec.description).toBe('[]')
  })

  test('table.move over 2^50 slots is refused', async () => {
    const { message } = await hostile('table.move({}, 1, 2^50, 2)')
    expect(message).toBe('core/x/x.pkg.lua:1: table.move of more than 10000000 elements (sandbox limit)')
  })

  test('a backtracking pattern (ReDoS) is refused before it runs', async () => {
    const { message } = await hostile('local s = string.rep("a", 5000) local i = s:find(".-.-.-b")')
    expect(message).toBe('core/x/x.pkg.lua:1: pattern .-.-.-b is too costly for a 5000-byte string (sandbox limit)')
  })

  test('ordinary patterns, like a semver split, are not refused', async () => {
    const spec = await evaluateWith(evaluator, `
      local v = "10.20.30-alpha.1+build.20240101"
      local major, minor, patch, pre, build = v:match("^(%d+)%.(%d+)%.(%d+)%-?([%w%.]*)%+?([%w%.]*)$")
      local words = select(2, string.rep("word ", 2000):gsub("%s+", " "))
      metadata({ name = "probe", version = major .. "." .. minor, tags = { patch, pre, build, tostring(words) } })`)
    expect(spec.version).toBe('10.20')
    expect(spec.tags).toEqual(['30', 'alpha.1', 'build.20240101', '2000'])
  })
})

describe('broken definitions', () => {
  test('a syntax error names file and line', async () => {
    const { message } = await hostile('metadata({ name = "x",\n  version = = "1" })')
    expect(message).toBe("core/x/x.pkg.lua:2: unexpected symbol near '='")
  })

  test('a runtime error names file and line', async () => {
    const { message } = await hostile('local a = 1\nlocal b = a.field')
    expect(message).toBe("core/x/x.pkg.lua:2: attempt to index a number value (local 'a')")
  })

  test('error() keeps the line the definition asked for', async () => {
    const { message } = await hostile('local function check() error("unsupported platform", 2) end\n\ncheck()')
    expect(message).toBe('core/x/x.pkg.lua:3: unsupported platform')
  })

  test('a bad argument to a library function points at the calling line', async () => {
    const { message } = await hostile('\nlocal s = string.rep()')
    expect(message).toBe("core/x/x.pkg.lua:2: bad argument #1 to 'rep' (string expected, got nil)")
  })

  test('an error value that is a table, with a __tostring that would loop, is described without running it', async () => {
    const { message } = await hostile('error(setmetatable({}, { __tostring = function() while true do end end }))')
    expect(message).toBe('core/x/x.pkg.lua: (error object is a table value)')
  })
})
