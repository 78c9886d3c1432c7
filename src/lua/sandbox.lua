-- sandbox.lua: runs once per Lua engine, after safe-libraries.lua. Keeps private references to
-- what evaluation needs, empties the real global table, and returns `evaluate`, which runs one
-- definition in a fresh environment and returns what it declared as JSON text.
--
-- Returns evaluate, collect_garbage, locate_error (the message handler for evaluate),
-- run_definition, which build-sandbox.lua uses to run a definition with build globals added, and
-- where_of(key): the "#<file>:<line>" of the metadata() call that set a key of the last evaluation.
-- Arguments (from sandbox-environment.ts): encode (to-json.lua), base and libraries (safe-libraries.lua)
-- and three host functions written in JS: host_source() -> source, chunkname;
-- host_context() -> os, arch, distro, manager, version, user path, system path;
-- host_include(path) -> source, chunkname | nil, message.

local encode, base, libraries, host_source, host_context, host_include = ...

local next, type, error, tostring = next, type, error, tostring
local setmetatable, load, pcall = setmetatable, load, pcall
local getinfo = debug.getinfo
local match = libraries.string.match

local MAX_CHUNK_BYTES = 1048576
local MAX_INCLUDE_DEPTH = 8

-- Returns a function that makes a fresh table of what `base` holds plus a fresh copy of each
-- library: what a copy loop makes, but from one generated table constructor, so each table is
-- allocated once at its full size instead of growing through every power of two (a definition
-- paid a sixth of its evaluation for the loop). `later` names the globals run_definition sets
-- next: nil fields of the constructor, which only make room for them.
local function environment_maker(format, later)
  local values, fields = {}, {}
  for _, name in next, later do fields[#fields + 1] = format('[%q] = nil', name) end
  local function field(key, value)
    values[#values + 1] = value
    return format('[%q] = v%d', key, #values)
  end
  for k, v in next, base do fields[#fields + 1] = field(k, v) end
  for name, lib in next, libraries do
    local inner = {}
    for k, v in next, lib do inner[#inner + 1] = field(k, v) end
    fields[#fields + 1] = format('[%q] = { %s }', name, table.concat(inner, ', '))
  end
  local names = {}
  for i = 1, #values do names[i] = 'v' .. i end
  local code = 'local ' .. table.concat(names, ', ') .. ' = ...\n'
    .. 'return function() return { ' .. table.concat(fields, ', ') .. ' } end'
  return load(code, '=sandbox', 't', {})(table.unpack(values, 1, #values))
end
local make_environment = environment_maker(libraries.string.format, { '_G', 'load', 'metadata',
  'dependencies', 'hooks', 'service', 'updates', 'PKG', 'SYSTEM', 'ZOI', 'UTILS', 'prepare', 'build',
  'package', 'uninstall', 'verify', 'test', 'INCLUDE' })

local function new_env()
  local env = make_environment()
  env._G = env
  -- Text chunks only (binary chunks can break the VM), bounded in size, never the real globals.
  env.load = function(chunk, name, _, chunk_env)
    if type(chunk) ~= 'string' then error('load() in a package definition takes a string', 2) end
    if #chunk > MAX_CHUNK_BYTES then error('load() of more than ' .. MAX_CHUNK_BYTES .. ' bytes', 2) end
    if chunk_env == nil then chunk_env = env end
    return load(chunk, name, 't', chunk_env)
  end
  return env
end

-- Returns the function behind metadata(), dependencies(), ...: later calls win per key.
local function merger(api_name, ...)
  local targets = { ... }
  return function(t)
    if type(t) ~= 'table' then error(api_name .. '() expects a table, got ' .. type(t), 2) end
    for k, v in next, t do
      for i = 1, #targets do targets[i][k] = v end
    end
    return t
  end
end

local function build_only()
  return setmetatable({}, { __index = function(_, key)
    error('UTILS.' .. tostring(key) .. ' is only available while building a package', 2)
  end })
end

local function nothing() end
local function yes() return true end

-- Runs the definition top to bottom in a fresh environment. `extend(env)`, when given, adds
-- globals first (build mode). Returns the environment and what the definition declared.
local function run_definition(extend)
  local source, chunkname = host_source()
  local os_name, arch, distro, manager, version, user_path, system_path = host_context()
  local env = new_env()
  local meta, pkg, deps, where, hooks, service, updates = {}, {}, {}, {}, {}, {}, {}
  local called, include_depth = false, 0

  local record_meta = merger('metadata', meta, pkg)
  env.metadata = function(t)
    if type(t) ~= 'table' then error('metadata() expects a table, got ' .. type(t), 2) end
    record_meta(t)
    local info = getinfo(2, 'Sl')
    if info then
      local at = info.short_src .. ':' .. info.currentline
      for k in next, t do
        if type(k) == 'string' then where[k] = at end
      end
    end
    called = true
  end
  env.dependencies = merger('dependencies', deps)
  env.hooks = merger('hooks', hooks)
  env.service = merger('service', service)
  env.updates = function(list)
    if type(list) ~= 'table' then error('updates() expects a table, got ' .. type(list), 2) end
    for i = 1, #list do updates[#updates + 1] = list[i] end
  end
  env.PKG = pkg
  env.SYSTEM = { OS = os_name, ARCH = arch, DISTRO = distro, MANAGER = manager }
  env.ZOI = { VERSION = version, PATH = { user = user_path, system = system_path } }
  env.UTILS = build_only()
  env.prepare, env.build, env.package, env.uninstall = nothing, nothing, nothing, nothing
  env.verify, env.test = yes, yes
  env.INCLUDE = function(path)
    if type(path) ~= 'string' then error('INCLUDE() expects a file name, got ' .. type(path), 2) end
    if include_depth >= MAX_INCLUDE_DEPTH then error('INCLUDE() nested more than ' .. MAX_INCLUDE_DEPTH .. ' deep', 2) end
    local text, name = host_include(path)
    if text == nil then error(name, 2) end
    local chunk, message = load(text, name, 't', env)
    if not chunk then error(message, 0) end
    include_depth = include_depth + 1
    local ok, err = pcall(chunk)
    include_depth = include_depth - 1
    if not ok then error(err, 0) end
  end

  if extend then extend(env) end
  local chunk, message = load(source, chunkname, 't', env)
  if not chunk then error(message, 0) end
  chunk()
  return env, { called = called, meta = meta, deps = deps, where = where, hooks = hooks,
    service = service, updates = updates }
end

-- Where each metadata key of the last evaluated definition was set ("#0:3"): asked for by the
-- host only when a key fails its checks, so it is not encoded for every definition.
local last_where

local function evaluate()
  last_where = nil
  local _, d = run_definition()
  local called, meta, deps, hooks, service, updates = d.called, d.meta, d.deps, d.hooks, d.service, d.updates
  last_where = d.where
  return '{"called":' .. (called and 'true' or 'false')
    .. ',"metadata":' .. encode(meta, 'metadata')
    .. ',"dependencies":' .. encode(deps, 'dependencies')
    .. ',"hooks":' .. encode(hooks, 'hooks')
    .. ',"service":' .. encode(service, 'service')
    .. ',"updates":' .. encode(updates, 'updates') .. '}'
end

local function where_of(key)
  local where = last_where and last_where[key]
  return type(where) == 'string' and where or ''
end

local collect = collectgarbage
local function collect_garbage() collect('collect') end

-- Message handler of the host's call to evaluate: an error raised inside a wrapper above says
-- "sandbox:1: bad argument ..."; point it at the definition's line that made the call instead.
local function locate_error(message)
  if type(message) ~= 'string' then return message end
  local rest = match(message, '^sandbox:%d+: (.*)$')
  if not rest then return message end
  for level = 2, 100 do
    local info = getinfo(level, 'Sl')
    if not info then break end
    if info.source ~= '=sandbox' and info.currentline > 0 then
      return info.short_src .. ':' .. info.currentline .. ': ' .. rest
    end
  end
  return rest
end

-- Nothing a definition sees comes from the real global table, but empty it anyway so that no
-- future path to it (a library bug, a new host function) exposes io, os, debug or require.
local globals = _G
for k in next, globals do globals[k] = nil end

return evaluate, collect_garbage, locate_error, run_definition, where_of
