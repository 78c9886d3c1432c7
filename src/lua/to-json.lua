-- to-json.lua: turns the tables a definition handed to metadata() and dependencies() into JSON
-- text for the TypeScript side. Returns the encode function; sandbox.lua keeps it private.
--
-- Tables are read with next/rawlen/rawget only, so no metamethod of the definition runs here.
-- A table whose keys are exactly 1..n becomes a list (an empty table is an empty list); any
-- other table becomes an object. Functions and other host values become null.
--
-- It runs once per definition, so it allocates as little as it can: pieces go into one buffer
-- (strings without special characters as they are), and the path of a value ("metadata.x[2]"),
-- needed only for an error message, is kept as a stack of keys and spelled out on error.

local next, type, rawlen, rawget, error = next, type, rawlen, rawget, error
local format, gsub, find, byte = string.format, string.gsub, string.find, string.byte
local concat = table.concat
local math_type, huge = math.type, math.huge

local MAX_DEPTH = 32
local ESCAPES = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }

-- The state of the encode call in progress (encode runs no code of the definition, so calls
-- never nest): the output buffer and its length, the key path, the tables being encoded (empty
-- again after every call that succeeds; fail() replaces it).
local out, n, root
local keys, open = {}, {}

local function escape_char(c)
  return ESCAPES[c] or format('\\u%04x', byte(c))
end

-- The plain case first: printable ASCII without '"' and '\\' (ranges are far quicker to match
-- than %c); anything else goes through the escaping gsub.
local function put_string(s)
  if find(s, '^[]-~ !#-[]*$') then
    out[n + 1], out[n + 2], out[n + 3] = '"', s, '"'
    n = n + 3
  else
    n = n + 1
    out[n] = '"' .. gsub(s, '[%c"\\]', escape_char) .. '"'
  end
end

local function number_text(v)
  if math_type(v) == 'integer' then return format('%d', v) end
  if v ~= v or v == huge or v == -huge then return 'null' end
  return format('%.17g', v)
end

-- "metadata.versions[2]": the name, then per level '[i]' for a list index, '.key' otherwise.
local function path_of(depth)
  local parts = { root }
  for i = 1, depth do
    local k = keys[i]
    parts[i + 1] = type(k) == 'number' and '[' .. k .. ']' or '.' .. k
  end
  return concat(parts)
end

local function fail(message)
  open = {}
  error(message, 0)
end

-- Returns the length when the keys of t are exactly 1..n, else nil.
local function sequence_length(t)
  local len, count = rawlen(t), 0
  for k in next, t do
    if math_type(k) ~= 'integer' or k < 1 or k > len then return nil end
    count = count + 1
  end
  if count == len then return len end
  return nil
end

local encode_value

local function encode_table(t, depth)
  if open[t] then fail(path_of(depth) .. ' contains itself') end
  if depth > MAX_DEPTH then fail(path_of(depth) .. ' is nested more than ' .. MAX_DEPTH .. ' levels deep') end
  open[t] = true
  local len = sequence_length(t)
  if len then
    n = n + 1
    out[n] = '['
    for i = 1, len do
      if i > 1 then n = n + 1 out[n] = ',' end
      keys[depth + 1] = i
      encode_value(rawget(t, i), depth + 1)
    end
    n = n + 1
    out[n] = ']'
  else
    n = n + 1
    out[n] = '{'
    local first = true
    for k, v in next, t do
      local key
      if type(k) == 'string' then
        key = k
      elseif type(k) == 'number' then
        key = number_text(k)
      else
        fail(path_of(depth) .. ' has a key of type ' .. type(k) .. ' (keys must be strings)')
      end
      if not first then n = n + 1 out[n] = ',' end
      first = false
      put_string(key)
      n = n + 1
      out[n] = ':'
      keys[depth + 1] = key
      encode_value(v, depth + 1)
    end
    n = n + 1
    out[n] = '}'
  end
  open[t] = nil
end

encode_value = function(v, depth)
  local tv = type(v)
  if tv == 'string' then
    put_string(v)
  elseif tv == 'number' then
    n = n + 1
    out[n] = number_text(v)
  elseif tv == 'boolean' then
    n = n + 1
    out[n] = v and 'true' or 'false'
  elseif tv == 'table' then
    encode_table(v, depth)
  else
    n = n + 1
    out[n] = 'null'
  end
end

-- encode(value, name) -> JSON text; name is the path used in error messages ("metadata").
return function(value, name)
  if type(value) == 'table' and next(value) == nil then return '[]' end -- hooks(), service(), ... mostly
  out, n, root = {}, 0, name
  encode_value(value, 0)
  local text = concat(out, '', 1, n)
  out = nil
  return text
end
