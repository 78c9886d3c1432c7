-- to-json.lua: turns the tables a definition handed to metadata() and dependencies() into JSON
-- text for the TypeScript side. Returns the encode function; sandbox.lua keeps it private.
--
-- Tables are read with next/rawlen/rawget only, so no metamethod of the definition runs here.
-- A table whose keys are exactly 1..n becomes a list (an empty table is an empty list); any
-- other table becomes an object. Functions and other host values become null.

local next, type, rawlen, rawget, error = next, type, rawlen, rawget, error
local format, gsub, byte = string.format, string.gsub, string.byte
local concat = table.concat
local math_type, huge = math.type, math.huge

local MAX_DEPTH = 32
local ESCAPES = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }

local function escape_char(c)
  return ESCAPES[c] or format('\\u%04x', byte(c))
end

local function quote(s)
  return '"' .. gsub(s, '[%c"\\]', escape_char) .. '"'
end

local function number_text(v)
  if math_type(v) == 'integer' then return format('%d', v) end
  if v ~= v or v == huge or v == -huge then return 'null' end
  return format('%.17g', v)
end

-- Returns the length when the keys of t are exactly 1..n, else nil.
local function sequence_length(t)
  local n, count = rawlen(t), 0
  for k in next, t do
    if math_type(k) ~= 'integer' or k < 1 or k > n then return nil end
    count = count + 1
  end
  if count == n then return n end
  return nil
end

local encode_value

local function encode_table(t, out, path, depth, open)
  if open[t] then error(path .. ' contains itself', 0) end
  if depth > MAX_DEPTH then error(path .. ' is nested more than ' .. MAX_DEPTH .. ' levels deep', 0) end
  open[t] = true
  local n = sequence_length(t)
  if n then
    out[#out + 1] = '['
    for i = 1, n do
      if i > 1 then out[#out + 1] = ',' end
      encode_value(rawget(t, i), out, path .. '[' .. i .. ']', depth + 1, open)
    end
    out[#out + 1] = ']'
  else
    out[#out + 1] = '{'
    local first = true
    for k, v in next, t do
      local key
      if type(k) == 'string' then
        key = k
      elseif type(k) == 'number' then
        key = number_text(k)
      else
        error(path .. ' has a key of type ' .. type(k) .. ' (keys must be strings)', 0)
      end
      if not first then out[#out + 1] = ',' end
      first = false
      out[#out + 1] = quote(key) .. ':'
      encode_value(v, out, path .. '.' .. key, depth + 1, open)
    end
    out[#out + 1] = '}'
  end
  open[t] = nil
end

encode_value = function(v, out, path, depth, open)
  local tv = type(v)
  if tv == 'string' then
    out[#out + 1] = quote(v)
  elseif tv == 'number' then
    out[#out + 1] = number_text(v)
  elseif tv == 'boolean' then
    out[#out + 1] = v and 'true' or 'false'
  elseif tv == 'table' then
    encode_table(v, out, path, depth, open)
  else
    out[#out + 1] = 'null'
  end
end

-- encode(value, name) -> JSON text; name is the path used in error messages ("metadata").
return function(value, name)
  local out = {}
  encode_value(value, out, name, 0, {})
  return concat(out)
end
