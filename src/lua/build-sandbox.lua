-- build-sandbox.lua: build mode (SPEC §4 "Build time"). Runs once per build engine, BEFORE
-- sandbox.lua empties the real globals, so it can keep the coroutine functions to itself (a
-- definition never sees them). Returns `bind`; given what sandbox.lua returned, bind returns
-- `start` (runs the definition's top level with the build globals added) and `step` (advances a
-- lifecycle function to its next host request or to its end).
--
-- Why coroutines: host operations (zcp, cmd, UTILS.EXTRACT, …) are done by the TypeScript side,
-- which may have to wait for a download or a process, and a JS function called from Lua cannot
-- wait. So a lifecycle function runs in a coroutine and each operation yields a request (JSON
-- text) out of it; the host answers with a Lua chunk returning `true, results…` or
-- `false, message`, and the next step resumes the coroutine with that chunk.

local co_create, co_resume, co_yield, co_status = coroutine.create, coroutine.resume, coroutine.yield, coroutine.status
local type, error, select, load, rawget, rawset, xpcall = type, error, select, load, rawget, rawset, xpcall
local pack = table.pack
local getinfo = debug.getinfo

local LIFECYCLE = { prepare = true, build = true, package = true, verify = true, test = true }
local OPERATIONS = { 'zcp', 'zln', 'zmkdir', 'zchmod', 'zrm', 'zlicense', 'zdoc', 'cmd', 'verifyHash' }

return function(encode, run_definition, locate_error, host_build)
  -- True while a lifecycle function runs: only then is there a coroutine to yield from.
  local active = false
  local env, routine

  -- Raises `message` at the definition's line that called the operation (the first frame that is
  -- neither this file nor C), so even a definition that catches it with pcall sees its own line.
  local function raise(message)
    for level = 2, 100 do
      local info = getinfo(level, 'S')
      if not info then break end
      if info.source ~= '=sandbox' and info.what ~= 'C' then error(message, level) end
    end
    error(message, 0)
  end

  local function finish(ok, ...)
    if not ok then raise((...)) end
    return ...
  end

  local function request(name, ...)
    if not active then
      raise(name .. '() is only available inside prepare(), build(), package(), verify() and test()')
    end
    local reply = co_yield(encode({ op = name, n = select('#', ...), args = { ... } }, name .. '() arguments'))
    local answer, message = load(reply, '=host', 't', {})
    if not answer then error('bad host reply: ' .. message, 0) end
    return finish(answer())
  end

  local function operation(name)
    return function(...) return request(name, ...) end
  end

  local function extend(target, build_dir, staging_dir, build_type, sub)
    target.BUILD_DIR, target.STAGING_DIR, target.BUILD_TYPE, target.SUBPKG = build_dir, staging_dir, build_type, sub
    for i = 1, #OPERATIONS do target[OPERATIONS[i]] = operation(OPERATIONS[i]) end
    target.UTILS = {
      EXTRACT = operation('UTILS.EXTRACT'),
      FILE = operation('UTILS.FILE'),
      DOWNLOAD = operation('UTILS.DOWNLOAD'),
      FS = { exists = operation('UTILS.FS.exists') },
      FIND = { file = operation('UTILS.FIND.file') },
      FETCH = { url = operation('UTILS.FETCH.url') },
      PARSE = {
        json = operation('UTILS.PARSE.json'),
        yaml = operation('UTILS.PARSE.yaml'),
        checksumFile = operation('UTILS.PARSE.checksumFile'),
      },
    }
  end

  local function start()
    local build_dir, staging_dir, build_type, sub, version = host_build()
    env = run_definition(function(target) extend(target, build_dir, staging_dir, build_type, sub) end)
    -- PKG is the metadata; a channel-only definition gets the version being built.
    local pkg = rawget(env, 'PKG')
    if type(pkg) == 'table' and rawget(pkg, 'version') == nil then rawset(pkg, 'version', version) end
    return 'started'
  end

  local function describe(value)
    local kind = type(value)
    if kind == 'boolean' or kind == 'number' or kind == 'string' then
      return encode({ defined = true, type = kind, value = value }, 'result')
    end
    return encode({ defined = true, type = kind }, 'result')
  end

  -- Returns 'R' .. request JSON while the function waits for the host, 'D' .. outcome JSON when
  -- it has returned; raises the function's error (already located by locate_error).
  local function step()
    local kind, text = host_build()
    local ok, out
    if kind == 'phase' then
      local fn = env and LIFECYCLE[text] and rawget(env, text)
      if type(fn) ~= 'function' then return 'D{"defined":false}' end
      local args = { sub = rawget(env, 'SUBPKG') }
      routine = co_create(function()
        active = true
        local result = pack(xpcall(fn, locate_error, args))
        active = false
        return result
      end)
      ok, out = co_resume(routine)
    elseif routine then
      ok, out = co_resume(routine, text)
    else
      error('no lifecycle function is waiting for a reply', 0)
    end
    if not ok then
      active, routine = false, nil
      error(out, 0)
    end
    if co_status(routine) == 'suspended' then return 'R' .. out end
    routine = nil
    if not out[1] then error(out[2], 0) end
    return 'D' .. describe(out[2])
  end

  return start, step
end
