// zoi runs wasmoon's Lua module with its own host functions (src/lua/lua-runtime.ts) instead of
// wasmoon's Emscripten runtime. What a definition can see of them (os.date, os.time, os.clock,
// errors unwinding through pcall) must be what wasmoon's runtime gives: the same Lua code runs in
// both, in time zones with and without daylight saving time and with a half-hour offset.
import { describe, expect, test } from 'bun:test'
import { resolve } from 'node:path'

const FORMATS = [
  '%a', '%A', '%b', '%B', '%c', '%C', '%d', '%D', '%e', '%F', '%g', '%G', '%h', '%H', '%I', '%j', '%m', '%M', '%n', '%p',
  '%r', '%R', '%S', '%t', '%T', '%u', '%U', '%V', '%w', '%W', '%x', '%X', '%y', '%Y', '%z', '%Z', '%%',
  '%Ec', '%EC', '%Ex', '%EX', '%Ey', '%EY', '%Od', '%Oe', '%OH', '%OI', '%Om', '%OM', '%OS', '%Ou', '%OU', '%OV', '%Ow', '%OW', '%Oy',
  'week %V of %G, day %j: %A %d %B %Y', '',
]
// 1970-01-01, 2000-02-29, 2020-12-31 23:59:59, 2009-01-01 (ISO week 1 of 2009), 2010-01-03 (week 53 of 2009),
// 2024-03-10 07:30 UTC (a DST change in New York), 2024-07-01, 1900-ish negative time, year 2100.
const TIMES = [0, 951782400, 1609459199, 1230768000, 1262476800, 1710055800, 1719792000, -2208988800, 4102444800]

const LUA = `
local formats = { ${FORMATS.map((f) => JSON.stringify(f)).join(', ')} }
local times = { ${TIMES.join(', ')} }
local out = {}
local function add(x) out[#out + 1] = tostring(x) end
local function fields(d) return d.year .. '-' .. d.month .. '-' .. d.day .. ' ' .. d.hour .. ':' .. d.min .. ':' .. d.sec .. ' w' .. d.wday .. ' y' .. d.yday .. ' ' .. tostring(d.isdst) end
for _, t in ipairs(times) do
  for _, f in ipairs(formats) do add(os.date(f, t) .. ' | ' .. os.date('!' .. f, t)) end
  local d = os.date('*t', t)
  add(fields(d))
  add(fields(os.date('!*t', t)))
  add(os.time(d))
end
add(os.time({ year = 2024, month = 3, day = 10, hour = 2, min = 30 }))
add(os.time({ year = 2024, month = 11, day = 3, hour = 1, min = 30, isdst = true }))
add(os.time({ year = 2024, month = 11, day = 3, hour = 1, min = 30, isdst = false }))
add(os.time({ year = 2024, month = 7, day = 1, hour = 12, isdst = false }))
add(os.time({ year = 2024, month = 1, day = 1, hour = 12, isdst = true }))
add(os.time({ year = 2024, month = 13, day = 40, hour = -5 }))
add(pcall(os.time, { year = 1e12, month = 1, day = 1 }))
add(pcall(os.date, '%Q'))
add(type(os.time()) .. ' ' .. type(os.clock()) .. ' ' .. math.type(os.time()))
add(os.difftime(os.time({ year = 2024, month = 1, day = 2 }), os.time({ year = 2024, month = 1, day = 1 })))
add(select(2, pcall(error, 'deep')))
add(select(2, pcall(function() local t = setmetatable({}, { __index = function() error('from a metamethod', 0) end }) return t.x end)))
local function down(n) if n == 0 then error('bottom', 0) end return 1 + down(n - 1) end
add(select(2, pcall(down, 10000)))
add(select(2, pcall(string.gsub, 'abc', '%w', function(c) if c == 'b' then error('inside gsub', 0) end end)))
add(select(2, pcall(table.sort, { 3, 1, 2 }, function() error('inside sort', 0) end)))
add(select(2, pcall(string.rep, 'x', -1)))
add(#string.rep('ab', 100000))
return table.concat(out, '\\n')
`

/** The same Lua in wasmoon's own engine and in zoi's sandbox, in a process with time zone `tz`. */
function both(tz: string): { wasmoon: string; zoi: string } {
  const lua = resolve(import.meta.dir, '../../../src/lua')
  const probe = `
    import { LuaFactory } from 'wasmoon'
    import { evaluateDefinition } from ${JSON.stringify(`${lua}/index.ts`)}
    const code = ${JSON.stringify(LUA)}
    const engine = await new LuaFactory().createEngine()
    const wasmoon = String(await engine.doString(code))
    engine.global.close()
    const spec = await evaluateDefinition({
      source: 'local function run() ' + code + ' end metadata({ name = "t", version = "1", description = run() })',
      file: 'core/t/t.pkg.lua', target: { os: 'linux', arch: 'amd64' },
    })
    console.log(JSON.stringify({ wasmoon, zoi: spec.description }))`
  const run = Bun.spawnSync([process.execPath, '-e', probe], { cwd: resolve(import.meta.dir, '../../..'), env: { ...process.env, TZ: tz } })
  expect(run.stderr.toString()).toBe('')
  return JSON.parse(run.stdout.toString()) as { wasmoon: string; zoi: string }
}

describe("the Lua module's host functions behave as wasmoon's runtime", () => {
  for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe']) {
    test(`os.date, os.time, errors: the same in time zone ${tz}`, () => {
      const { wasmoon, zoi } = both(tz)
      expect(zoi.split('\n').length).toBe(wasmoon.split('\n').length)
      expect(zoi).toBe(wasmoon)
    }, 30_000)
  }
})
