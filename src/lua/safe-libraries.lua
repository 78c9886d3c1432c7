-- safe-libraries.lua: runs once per Lua engine, with the full standard library. Builds the
-- functions and libraries a definition may use (base functions, string, table, utf8, math and
-- the clock of os) and hardens the real string table, which stays shared between definitions.
-- Returns base, libraries; sandbox.lua copies them into each definition's environment.

local next, type, error, rawget = next, type, error, rawget
local setmetatable, getmetatable, load = setmetatable, getmetatable, load
local raw_pairs, raw_ipairs = pairs, ipairs
local raw_find, raw_match, raw_gmatch, raw_gsub = string.find, string.match, string.gmatch, string.gsub
local raw_rep, raw_byte = string.rep, string.byte
local raw_move, raw_codes = table.move, utf8.codes

local MAX_MOVE = 10000000
-- Pattern matching runs in C, where the instruction hook never fires; a backtracking pattern can
-- take hours. Refuse calls whose estimated step count (see pattern_steps) is above this.
local MAX_PATTERN_STEPS = 5e8

-- Every function a definition can reach is a Lua function. A C function used as a metamethod
-- (say __index = rawlen) would let a C loop such as table.insert run 2^60 times without one
-- counted instruction; a Lua wrapper makes every such call cost instructions the hook counts.
local function wrap(name, f)
  local make = load('local ' .. name .. ' = ... return function(...) return ' .. name .. '(...) end',
    '=sandbox', 't', {})
  return make(f)
end

local function wrap_all(lib, names)
  local out = {}
  for _, name in next, names do
    local f = rawget(lib, name)
    out[name] = type(f) == 'function' and wrap(name, f) or f
  end
  return out
end

-- Rough upper bound on the work of one find/match/gmatch/gsub call: each unbounded quantifier
-- (* + -), %b and back-reference can revisit every subject position, an unanchored pattern is
-- tried at every position, and each ? multiplies the paths (counted as 3: each retry re-walks
-- the rest of the pattern). Measured in wasm: 5e8 estimated steps take well under 2 s.
local function pattern_steps(s, p, plain)
  local n, m = #s, #p
  if plain then return n * m / 16 end
  local anchored = raw_byte(p, 1) == 94
  local _, scans = raw_gsub(p, '%%[b1-9]', '')
  local items = raw_gsub(raw_gsub(p, '%%.', ''), '%[%^?%]?[^%]]*%]', 'x')
  local _, unbounded = raw_gsub(items, '[%*%+%-]', '')
  local _, optional = raw_gsub(items, '%?', '')
  return (n + 1) ^ (unbounded + scans + (anchored and 0 or 1)) * 3 ^ optional + n * m / 16
end

local function check_pattern(s, p, plain)
  if type(s) == 'string' and type(p) == 'string' and pattern_steps(s, p, plain) > MAX_PATTERN_STEPS then
    error('pattern ' .. p .. ' is too costly for a ' .. #s .. '-byte string (sandbox limit)', 3)
  end
end

local string_lib = wrap_all(string, { 'byte', 'char', 'format', 'len', 'lower', 'pack', 'packsize',
  'reverse', 'sub', 'unpack', 'upper' })
do -- locals named like the library functions, so argument errors say 'find', not 'raw_find'
  local find, match, gmatch, gsub, rep = raw_find, raw_match, raw_gmatch, raw_gsub, raw_rep
  string_lib.find = function(s, p, init, plain) check_pattern(s, p, plain) return find(s, p, init, plain) end
  string_lib.match = function(s, p, init) check_pattern(s, p) return match(s, p, init) end
  string_lib.gsub = function(s, p, r, n) check_pattern(s, p) return gsub(s, p, r, n) end
  string_lib.gmatch = function(s, p, init)
    check_pattern(s, p)
    local step = gmatch(s, p, init)
    return function() return step() end
  end
  string_lib.rep = function(s, n, sep)
    -- rep('', 2^62) copies nothing 2^62 times inside C: answer it here.
    if s == '' and (sep == nil or sep == '') and type(n) == 'number' then return '' end
    return rep(s, n, sep)
  end
end

-- All strings share one metatable whose __index is the real `string` table, so that table is
-- reachable from every definition as ("").name: it must hold exactly the hardened functions
-- (string.dump, which makes binary chunks, is gone) and the metatable itself stays hidden.
for k in next, string do string[k] = nil end
for k, v in next, string_lib do string[k] = v end
getmetatable('').__metatable = false

local table_lib = wrap_all(table, { 'concat', 'insert', 'pack', 'remove', 'sort', 'unpack' })
do
  local move = raw_move
  table_lib.move = function(a1, f, e, t, a2)
    if type(f) == 'number' and type(e) == 'number' and e - f >= MAX_MOVE then
      error('table.move of more than ' .. MAX_MOVE .. ' elements (sandbox limit)', 2)
    end
    return move(a1, f, e, t, a2)
  end
end

local utf8_lib = wrap_all(utf8, { 'char', 'charpattern', 'codepoint', 'len', 'offset' })
utf8_lib.codes = function(s, lax)
  local step, state, control = raw_codes(s, lax)
  return function(a, b) return step(a, b) end, state, control
end

local math_lib = wrap_all(math, { 'abs', 'ceil', 'cos', 'deg', 'exp', 'floor', 'fmod', 'huge', 'log',
  'max', 'maxinteger', 'min', 'mininteger', 'modf', 'pi', 'rad', 'random', 'randomseed', 'sin',
  'sqrt', 'tan', 'tointeger', 'type', 'ult' })
-- No execute/remove/rename/exit/getenv/tmpname/setlocale: only reading the clock is harmless.
local os_lib = wrap_all(os, { 'clock', 'date', 'difftime', 'time' })

local base = wrap_all(_G, { 'getmetatable', 'next', 'pcall', 'rawequal', 'rawget', 'rawlen', 'rawset',
  'select', 'tonumber', 'tostring', 'type', 'xpcall' })
base._VERSION = _VERSION
-- error never returns, so it cannot keep a C loop going: it stays the real one, which keeps
-- error(message, level) pointing at the definition's own lines.
base.error = error
base.assert = function(v, message, ...)
  if v then return v, message, ... end
  if message == nil then message = 'assertion failed!' end
  error(message, 2)
end
base.print = function() end
local safe_next = base.next
local ipairs_step = raw_ipairs({})
local function safe_ipairs_step(t, i) return ipairs_step(t, i) end
base.pairs = function(t)
  local f, s, c = raw_pairs(t)
  if f == next then f = safe_next end
  return f, s, c
end
base.ipairs = function(t)
  local _, s, c = raw_ipairs(t)
  return safe_ipairs_step, s, c
end
-- A finalizer would run whenever the collector gets to it: during a later definition, or in
-- host code outside the instruction budget. (Lua only honours __gc present at setmetatable.)
base.setmetatable = function(t, mt)
  if type(mt) == 'table' and rawget(mt, '__gc') ~= nil then
    error('__gc metamethods are not allowed in package definitions', 2)
  end
  return setmetatable(t, mt)
end

local libraries = { string = string_lib, table = table_lib, utf8 = utf8_lib, math = math_lib, os = os_lib }

return base, libraries
