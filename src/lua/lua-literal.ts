/**
 * Host values as Lua source: the host's answers to build-mode requests travel into the sandbox
 * as a text chunk `return true, …` that the definition's Lua state loads in an empty
 * environment, so no Lua value ever has to be built through the C API.
 */

export type HostValue = null | boolean | number | string | HostValue[] | { [key: string]: HostValue }

/** `return true, v1, v2…` for results, `return false, "message"` for a failure. */
export function luaReturn(ok: boolean, values: readonly HostValue[]): string {
  return `return ${[ok ? 'true' : 'false', ...values.map((v) => luaLiteral(v, 0))].join(', ')}`
}

const MAX_DEPTH = 100

/** A Lua expression for `value`; null becomes nil (a hole in a list, an absent key in a map). */
export function luaLiteral(value: HostValue | undefined, depth = 0): string {
  if (depth > MAX_DEPTH) throw new Error(`value is nested more than ${MAX_DEPTH} levels deep`)
  if (value === null || value === undefined) return 'nil'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') return luaNumber(value)
  if (typeof value === 'string') return luaString(value)
  if (Array.isArray(value)) return `{${value.map((v) => luaLiteral(v, depth + 1)).join(', ')}}`
  const fields = Object.entries(value).map(([k, v]) => `[${luaString(k)}] = ${luaLiteral(v, depth + 1)}`)
  return `{${fields.join(', ')}}`
}

function luaNumber(n: number): string {
  if (Number.isNaN(n)) return '(0/0)'
  if (n === Infinity) return '(1/0)'
  if (n === -Infinity) return '(-1/0)'
  if (Number.isSafeInteger(n)) return String(n)
  // A float: keep it a float in Lua too (1e21 would otherwise read back the same, 5.0 not).
  const text = String(n)
  return /[.eE]/.test(text) ? text : `${text}.0`
}

/** A double-quoted Lua string; quotes, backslashes and control characters become \ddd escapes. */
export function luaString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${s.replace(/[\u0000-\u001f"\\\u007f]/g, (c) => `\\${c.charCodeAt(0).toString().padStart(3, '0')}`)}"`
}
