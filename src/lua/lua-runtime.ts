/**
 * The host side of wasmoon's Lua 5.4 WebAssembly build (its glue.wasm): the 27 functions the
 * module imports, and the few Lua C API calls zoi makes, by their C names.
 *
 * wasmoon ships this module with an Emscripten JS runtime of 150 kB, and builds a JS wrapper
 * for each of its 160 exports as it loads: 10–14 ms of the main thread before the first Lua
 * state, in every command that evaluates a definition. zoi calls 25 of those functions, and the
 * module imports only what is below, so zoi provides them itself (about 1 ms), each doing what
 * Emscripten's runtime does for it, with one deliberate difference: there is no file system and
 * no shell. Lua's io library, os.execute, os.remove and the like are not reachable from a
 * definition (sandbox.lua), and behind them here every file call fails with ENOSYS, `system`
 * reports no shell, reads see end of file and writes go nowhere.
 *
 * Lua raises errors with longjmp. In this build setjmp/longjmp are Emscripten's JS emulation:
 * `_emscripten_throw_longjmp` throws, and `invoke_vii` (the call under each setjmp) catches it
 * and tells the module through `setThrew`.
 */

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** Emscripten's errno values (not Linux's). */
const ENOSYS = 52
const ENOTTY = 59
const EOVERFLOW = 61
const ESPIPE = 70

const MAX_HEAP = 2 ** 31

/** The module's exports zoi uses (pointers are numbers; lua_Integer is an i64, a bigint). */
export interface LuaExports {
  memory: WebAssembly.Memory
  __indirect_function_table: WebAssembly.Table
  __wasm_call_ctors(): void
  emscripten_stack_init(): void
  __errno_location(): number
  stackSave(): number
  stackRestore(pointer: number): void
  setThrew(threw: number, value: number): void
  malloc(size: number): number
  realloc(pointer: number, size: number): number
  free(pointer: number): void
  lua_newstate(allocator: number, userdata: number): number
  lua_close(L: number): void
  luaL_openlibs(L: number): void
  luaL_loadbufferx(L: number, buffer: number, size: number, name: number, mode: number): number
  luaL_ref(L: number, table: number): number
  luaL_where(L: number, level: number): void
  lua_pcallk(L: number, nargs: number, nresults: number, handler: number, ctx: number, k: number): number
  lua_error(L: number): number
  lua_gettop(L: number): number
  lua_settop(L: number, index: number): void
  lua_rotate(L: number, index: number, n: number): void
  lua_pushvalue(L: number, index: number): void
  lua_getfield(L: number, index: number, name: number): number
  lua_rawgeti(L: number, index: number, n: bigint): number
  lua_sethook(L: number, hook: number, mask: number, count: number): void
  lua_pushlstring(L: number, text: number, size: number): number
  lua_pushnil(L: number): void
  lua_pushnumber(L: number, n: number): void
  lua_pushcclosure(L: number, fn: number, upvalues: number): void
  lua_type(L: number, index: number): number
  lua_typename(L: number, type: number): number
  lua_tolstring(L: number, index: number, size: number): number
  lua_tonumberx(L: number, index: number, isNumber: number): number
}

/** One instance of the Lua module: its exports, views of its memory, and its function table. */
export class LuaInstance {
  readonly exports: LuaExports
  /** Views of the memory; replaced when it grows (read them after any call that may allocate). */
  u8!: Uint8Array
  i32!: Int32Array
  u32!: Uint32Array
  i64!: BigInt64Array
  /** Eight bytes of the heap for out-parameters (the length lua_tolstring reports). */
  scratch = 0
  /** The function table's length after instantiation, before zoi added any function. */
  readonly tableBase: number

  private constructor(instance: WebAssembly.Instance) {
    this.exports = instance.exports as unknown as LuaExports
    this.tableBase = this.exports.__indirect_function_table.length
    this.updateViews()
  }

  /** Instantiates the compiled module and runs its start-up (stack limits, C constructors). */
  static async create(module: WebAssembly.Module): Promise<LuaInstance> {
    let self: LuaInstance | undefined
    const imports = hostFunctions(() => self!)
    self = new LuaInstance(await WebAssembly.instantiate(module, imports))
    self.exports.emscripten_stack_init()
    self.exports.__wasm_call_ctors()
    self.scratch = self.exports.malloc(8)
    return self
  }

  updateViews(): void {
    const { buffer } = this.exports.memory
    this.u8 = new Uint8Array(buffer)
    this.i32 = new Int32Array(buffer)
    this.u32 = new Uint32Array(buffer)
    this.i64 = new BigInt64Array(buffer)
  }

  /** The whole memory and stack pointer, at a moment no Lua or C code runs (lua-snapshot.ts). */
  capture(): { memory: Uint8Array; stackPointer: number } {
    return { memory: this.u8.slice(), stackPointer: this.exports.stackSave() }
  }

  /**
   * Readies a fresh instance to take the memory `capture` saw in another instance of the same
   * module, which did the same from its start (so their function tables match too): grown to
   * `size`, all zero, stack pointer set. The caller then writes the captured bytes into u8.
   */
  resetMemory(size: number, stackPointer: number): void {
    const memory = this.exports.memory
    if (size > memory.buffer.byteLength) {
      memory.grow((size - memory.buffer.byteLength) / 65536)
      this.updateViews()
    }
    this.u8.fill(0)
    this.exports.stackRestore(stackPointer)
  }

  /** Puts a wasm function (an export of some instance) into the table; its index, a C function pointer. */
  addFunction(fn: (...args: never[]) => unknown): number {
    const table = this.exports.__indirect_function_table
    return table.grow(1, fn)
  }

  /** The NUL-terminated UTF-8 string at `pointer`. */
  readCString(pointer: number): string {
    if (!pointer) return ''
    const end = this.u8.indexOf(0, pointer)
    return decoder.decode(this.u8.subarray(pointer, end < 0 ? undefined : end))
  }

  /**
   * A copy of `text` in the heap as UTF-8, NUL-terminated (a C string, or with `size` a Lua
   * string, which may hold NUL bytes); the caller frees `pointer`.
   */
  newText(text: string): { pointer: number; size: number } {
    const room = text.length * 3 + 1 // UTF-8 needs at most 3 bytes per UTF-16 unit
    const pointer = this.exports.malloc(room)
    if (!pointer) throw new Error('the Lua module is out of memory')
    // The heap view is read after malloc, which may have grown (and so replaced) the memory.
    const { written } = encoder.encodeInto(text, this.u8.subarray(pointer, pointer + room - 1))
    this.u8[pointer + written] = 0
    return { pointer, size: written }
  }

  /** Calls `steps` with `text` in the heap (newText), freed after. */
  withText<T>(text: string, steps: (pointer: number, size: number) => T): T {
    const { pointer, size } = this.newText(text)
    try {
      return steps(pointer, size)
    } finally {
      this.exports.free(pointer)
    }
  }
}

/** The module's imports, as Emscripten's runtime provides them (see the top of this file). */
function hostFunctions(lua: () => LuaInstance): Record<string, Record<string, (...args: never[]) => unknown>> {
  const setErrno = (value: number): void => {
    lua().i32[lua().exports.__errno_location() >> 2] = value
  }
  const noFiles = (): number => -ENOSYS
  const env = {
    abort: (): never => {
      throw new Error('the Lua module aborted')
    },
    exit: (code: number): never => {
      throw new Error(`the Lua module exited with status ${code}`)
    },
    // setjmp/longjmp: the call under a setjmp, and the longjmp that unwinds to it.
    invoke_vii: (index: number, a: number, b: number): void => {
      const { exports } = lua()
      const stack = exports.stackSave()
      try {
        ;(exports.__indirect_function_table.get(index) as (a: number, b: number) => void)(a, b)
      } catch (e) {
        exports.stackRestore(stack)
        if (typeof e !== 'number') throw e
        exports.setThrew(1, 0)
      }
    },
    _emscripten_throw_longjmp: (): never => {
      throw Infinity // a number: what invoke_vii catches as a longjmp
    },
    emscripten_resize_heap: (requested: number): boolean => growMemory(lua(), requested >>> 0),
    emscripten_date_now: (): number => Date.now(),
    _emscripten_get_now_is_monotonic: (): number => 1,
    system: (command: number): number => {
      if (!command) return 0 // no shell
      setErrno(ENOSYS)
      return -1
    },
    __syscall_openat: noFiles,
    __syscall_fcntl64: noFiles,
    __syscall_ioctl: (): number => -ENOTTY,
    __syscall_dup3: noFiles,
    __syscall_unlinkat: noFiles,
    __syscall_rmdir: noFiles,
    __syscall_renameat: noFiles,
    __syscall_readlinkat: noFiles,
    _tzset_js: (timezone: number, daylight: number, names: number) => tzset(lua(), timezone, daylight, names),
    _localtime_js: (time: bigint, tm: number) => writeTm(lua(), tm, dateOf(time), false),
    _gmtime_js: (time: bigint, tm: number) => writeTm(lua(), tm, dateOf(time), true),
    _mktime_js: (tm: number): bigint => mktime(lua(), tm, setErrno),
    strftime: (out: number, max: number, format: number, tm: number): number => strftime(lua(), out, max, format, tm),
  }
  const wasi = {
    // Writes go nowhere (definitions cannot print); the count is reported as written.
    fd_write: (_fd: number, iov: number, count: number, written: number): number => {
      const { u32 } = lua()
      let bytes = 0
      for (let i = 0; i < count; i++) bytes += u32[(iov + i * 8 + 4) >> 2]!
      u32[written >> 2] = bytes
      return 0
    },
    fd_read: (_fd: number, _iov: number, _count: number, read: number): number => {
      lua().u32[read >> 2] = 0
      return 0
    },
    fd_close: (): number => 0,
    fd_seek: (): number => ESPIPE,
    // An empty environment: getenv finds nothing (Lua's package paths keep their defaults).
    environ_sizes_get: (count: number, size: number): number => {
      lua().u32[count >> 2] = 0
      lua().u32[size >> 2] = 0
      return 0
    },
    environ_get: (): number => 0,
  }
  return { env, wasi_snapshot_preview1: wasi }
}

/** Emscripten's heap growth: 20% over what is asked (less on retries), at most 96 MiB over, within 2 GiB. */
function growMemory(lua: LuaInstance, requested: number): boolean {
  const memory = lua.exports.memory
  const old = memory.buffer.byteLength
  if (requested > MAX_HEAP) return false
  for (let cut = 1; cut <= 4; cut *= 2) {
    let size = Math.min(old * (1 + 0.2 / cut), requested + 96 * 1024 * 1024)
    size = Math.max(requested, size)
    size = Math.min(MAX_HEAP, size + ((65536 - (size % 65536)) % 65536))
    try {
      memory.grow((size - memory.buffer.byteLength + 65535) / 65536)
      lua.updateViews()
      return true
    } catch {
      // try a smaller step
    }
  }
  return false
}

// struct tm of this build (wasm32 musl): nine ints, then long tm_gmtoff and const char *tm_zone.
const TM = { sec: 0, min: 4, hour: 8, mday: 12, mon: 16, year: 20, wday: 24, yday: 28, isdst: 32, gmtoff: 36, zone: 40 } as const
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
const DAYS_BEFORE_MONTH_LEAP = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335]

const isLeap = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)

function dateOf(time: bigint): Date {
  const seconds = time < -(2n ** 53n) || time > 2n ** 53n ? NaN : Number(time)
  return new Date(seconds * 1000)
}

function field(lua: LuaInstance, tm: number, name: keyof typeof TM): number {
  return lua.i32[(tm + TM[name]) >> 2]!
}

function setField(lua: LuaInstance, tm: number, name: keyof typeof TM, value: number): void {
  lua.i32[(tm + TM[name]) >> 2] = value
}

/** Whether `date` falls in daylight saving time where this process runs. */
function inDst(date: Date): boolean {
  const summer = new Date(date.getFullYear(), 6, 1).getTimezoneOffset()
  const winter = new Date(date.getFullYear(), 0, 1).getTimezoneOffset()
  return summer !== winter && date.getTimezoneOffset() === Math.min(winter, summer)
}

type CalendarField = 'sec' | 'min' | 'hour' | 'mday' | 'mon' | 'year' | 'wday'

/** The calendar fields of `date` as struct tm has them, in UTC or in this process's time zone. */
function calendar(date: Date, utc: boolean): Record<CalendarField, number> {
  return utc
    ? { sec: date.getUTCSeconds(), min: date.getUTCMinutes(), hour: date.getUTCHours(), mday: date.getUTCDate(), mon: date.getUTCMonth(), year: date.getUTCFullYear() - 1900, wday: date.getUTCDay() }
    : { sec: date.getSeconds(), min: date.getMinutes(), hour: date.getHours(), mday: date.getDate(), mon: date.getMonth(), year: date.getFullYear() - 1900, wday: date.getDay() }
}

function setFields(lua: LuaInstance, tm: number, fields: Partial<Record<keyof typeof TM, number>>): void {
  for (const [name, value] of Object.entries(fields)) setField(lua, tm, name as keyof typeof TM, value)
}

function writeTm(lua: LuaInstance, tm: number, date: Date, utc: boolean): void {
  setFields(lua, tm, calendar(date, utc))
  if (utc) setField(lua, tm, 'yday', ((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1, 0, 0, 0, 0)) / 864e5) | 0)
  else setFields(lua, tm, { yday: yearDay(date), gmtoff: -(date.getTimezoneOffset() * 60), isdst: inDst(date) ? 1 : 0 })
}

function yearDay(date: Date): number {
  return ((isLeap(date.getFullYear()) ? DAYS_BEFORE_MONTH_LEAP : DAYS_BEFORE_MONTH)[date.getMonth()]! + date.getDate() - 1) | 0
}

function mktime(lua: LuaInstance, tm: number, setErrno: (value: number) => void): bigint {
  const date = new Date(field(lua, tm, 'year') + 1900, field(lua, tm, 'mon'), field(lua, tm, 'mday'), field(lua, tm, 'hour'), field(lua, tm, 'min'), field(lua, tm, 'sec'), 0)
  const dst = field(lua, tm, 'isdst')
  const offset = date.getTimezoneOffset()
  const summer = new Date(date.getFullYear(), 6, 1).getTimezoneOffset()
  const winter = new Date(date.getFullYear(), 0, 1).getTimezoneOffset()
  const dstOffset = Math.min(winter, summer)
  if (dst < 0) setField(lua, tm, 'isdst', Number(summer !== winter && dstOffset === offset))
  else if (dst > 0 !== (dstOffset === offset)) {
    // Said to be (or not be) daylight saving time where the date is the other: moved by the difference.
    date.setTime(date.getTime() + 60000 * ((dst > 0 ? dstOffset : Math.max(winter, summer)) - offset))
  }
  setFields(lua, tm, { ...calendar(date, false), yday: yearDay(date) })
  const ms = date.getTime()
  if (Number.isNaN(ms)) {
    setErrno(EOVERFLOW)
    return -1n
  }
  return BigInt(ms / 1000)
}

function tzset(lua: LuaInstance, timezone: number, daylight: number, names: number): void {
  const year = new Date().getFullYear()
  const winter = new Date(year, 0, 1)
  const summer = new Date(year, 6, 1)
  const winterOffset = winter.getTimezoneOffset()
  const summerOffset = summer.getTimezoneOffset()
  lua.u32[timezone >> 2] = 60 * Math.max(winterOffset, summerOffset)
  lua.i32[daylight >> 2] = Number(winterOffset !== summerOffset)
  const name = (date: Date) => /\(([A-Za-z ]+)\)$/.exec(date.toTimeString())?.[1] ?? 'GMT'
  const winterName = lua.newText(name(winter)).pointer
  const summerName = lua.newText(name(summer)).pointer
  const [standard, saving] = summerOffset < winterOffset ? [winterName, summerName] : [summerName, winterName]
  lua.u32[names >> 2] = standard
  lua.u32[(names + 4) >> 2] = saving
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

/** Conversions spelled through others (C locale), applied first, in this order. */
const SPELLED: [string, string][] = [
  ['%c', '%a %b %d %H:%M:%S %Y'], ['%D', '%m/%d/%y'], ['%F', '%Y-%m-%d'], ['%h', '%b'], ['%r', '%I:%M:%S %p'], ['%R', '%H:%M'],
  ['%T', '%H:%M:%S'], ['%x', '%m/%d/%y'], ['%X', '%H:%M:%S'], ['%Ec', '%c'], ['%EC', '%C'], ['%Ex', '%m/%d/%y'], ['%EX', '%H:%M:%S'],
  ['%Ey', '%y'], ['%EY', '%Y'], ['%Od', '%d'], ['%Oe', '%e'], ['%OH', '%H'], ['%OI', '%I'], ['%Om', '%m'], ['%OM', '%M'], ['%OS', '%S'],
  ['%Ou', '%u'], ['%OU', '%U'], ['%OV', '%V'], ['%Ow', '%w'], ['%OW', '%W'], ['%Oy', '%y'],
]

interface Tm {
  sec: number
  min: number
  hour: number
  mday: number
  mon: number
  year: number
  wday: number
  yday: number
  gmtoff: number
  zone: string
}

const pad = (value: number | string, digits: number, filler = '0'): string => String(value).padStart(digits, filler)

/** 1 when a is a later day than b, -1 when earlier, 0 on the same day. */
function compareDays(a: Date, b: Date): number {
  return Math.sign(a.getFullYear() - b.getFullYear()) || Math.sign(a.getMonth() - b.getMonth()) || Math.sign(a.getDate() - b.getDate())
}

/** The Monday of the ISO week holding January 4th. */
function firstIsoWeek(january4: Date): Date {
  const year = january4.getFullYear()
  const starts = [[year - 1, 11, 29], [year, 0, 4], [year, 0, 3], [year, 0, 2], [year, 0, 1], [year - 1, 11, 31], [year - 1, 11, 30]] as const
  const [y, m, d] = starts[january4.getDay()]!
  return new Date(y, m, d)
}

function isoYear(t: Tm): number {
  const day = new Date(t.year + 1900, 0, 1 + t.yday)
  const year = day.getFullYear()
  if (compareDays(firstIsoWeek(new Date(year, 0, 4)), day) > 0) return year - 1
  return compareDays(firstIsoWeek(new Date(year + 1, 0, 4)), day) <= 0 ? year + 1 : year
}

function isoWeek(t: Tm): number {
  let week = Math.floor((t.yday + 7 - ((t.wday + 6) % 7)) / 7)
  if ((t.wday + 371 - t.yday - 2) % 7 <= 2) week++
  if (!week) {
    week = 52
    const december31 = (t.wday + 7 - t.yday - 1) % 7
    if (december31 === 4 || (december31 === 5 && isLeap((t.year % 400) - 1))) week++
  } else if (week === 53) {
    const january1 = (t.wday + 371 - t.yday) % 7
    if (january1 !== 4 && (january1 !== 3 || !isLeap(t.year))) week = 1
  }
  return week
}

const CONVERSIONS: [string, (t: Tm) => string | number][] = [
  ['%a', (t) => WEEKDAYS[t.wday]!.slice(0, 3)],
  ['%A', (t) => WEEKDAYS[t.wday]!],
  ['%b', (t) => MONTHS[t.mon]!.slice(0, 3)],
  ['%B', (t) => MONTHS[t.mon]!],
  ['%C', (t) => pad(((t.year + 1900) / 100) | 0, 2)],
  ['%d', (t) => pad(t.mday, 2)],
  ['%e', (t) => pad(t.mday, 2, ' ')],
  ['%g', (t) => String(isoYear(t)).slice(2)],
  ['%G', (t) => isoYear(t)],
  ['%H', (t) => pad(t.hour, 2)],
  ['%I', (t) => pad(t.hour === 0 ? 12 : t.hour > 12 ? t.hour - 12 : t.hour, 2)],
  ['%j', (t) => pad(t.mday + (isLeap(t.year + 1900) ? DAYS_BEFORE_MONTH_LEAP : DAYS_BEFORE_MONTH)[t.mon]!, 3)],
  ['%m', (t) => pad(t.mon + 1, 2)],
  ['%M', (t) => pad(t.min, 2)],
  ['%n', () => '\n'],
  ['%p', (t) => (t.hour >= 0 && t.hour < 12 ? 'AM' : 'PM')],
  ['%S', (t) => pad(t.sec, 2)],
  ['%t', () => '\t'],
  ['%u', (t) => t.wday || 7],
  ['%U', (t) => pad(Math.floor((t.yday + 7 - t.wday) / 7), 2)],
  ['%V', (t) => pad(isoWeek(t), 2)],
  ['%w', (t) => t.wday],
  ['%W', (t) => pad(Math.floor((t.yday + 7 - ((t.wday + 6) % 7)) / 7), 2)],
  ['%y', (t) => String(t.year + 1900).slice(2)],
  ['%Y', (t) => t.year + 1900],
  ['%z', (t) => {
    const minutes = Math.abs(t.gmtoff) / 60
    return (t.gmtoff >= 0 ? '+' : '-') + String(`0000${(minutes / 60) * 100 + (minutes % 60)}`).slice(-4)
  }],
  ['%Z', (t) => t.zone],
]

/** C's strftime in the C locale, as Emscripten's runtime implements it; the length written, 0 when it does not fit. */
function strftime(lua: LuaInstance, out: number, max: number, format: number, tm: number): number {
  const zone = lua.u32[(tm + TM.zone) >> 2]!
  const t: Tm = {
    sec: field(lua, tm, 'sec'), min: field(lua, tm, 'min'), hour: field(lua, tm, 'hour'), mday: field(lua, tm, 'mday'), mon: field(lua, tm, 'mon'),
    year: field(lua, tm, 'year'), wday: field(lua, tm, 'wday'), yday: field(lua, tm, 'yday'), gmtoff: field(lua, tm, 'gmtoff'), zone: lua.readCString(zone),
  }
  let text = lua.readCString(format)
  for (const [conversion, spelled] of SPELLED) text = text.replaceAll(conversion, spelled)
  text = text.replaceAll('%%', '\0\0')
  for (const [conversion, value] of CONVERSIONS) if (text.includes(conversion)) text = text.replaceAll(conversion, String(value(t)))
  text = text.replaceAll('\0\0', '%')
  const bytes = encoder.encode(`${text}\0`)
  if (bytes.length > max) return 0
  lua.u8.set(bytes, out)
  return bytes.length - 1
}
