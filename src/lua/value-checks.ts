/**
 * Typed reads of the JSON that a definition's tables became (see to-json.lua). Each reader
 * takes a label naming the key ("metadata 'bins'") and a `fail` that throws the definition's
 * error; a missing key reads as empty, a key of the wrong type fails.
 */

export type Fail = (what: string) => never

export type JsonRecord = Record<string, unknown>

/** A Lua table with string keys. An empty Lua table arrives as [] and counts as an empty record. */
export function asRecord(value: unknown): JsonRecord | undefined {
  if (Array.isArray(value)) return value.length === 0 ? {} : undefined
  if (typeof value === 'object' && value !== null) return value as JsonRecord
  return undefined
}

export function readString(value: unknown, label: string, fail: Fail): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') fail(`${label} must be a string, not ${describeJson(value)}`)
  return value
}

export function readBoolean(value: unknown, label: string, fail: Fail): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') fail(`${label} must be true or false, not ${describeJson(value)}`)
  return value
}

export function readStringList(value: unknown, label: string, fail: Fail): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    fail(`${label} must be a list of strings, not ${describeJson(value)}`)
  }
  return value as string[]
}

export function readStringMap(value: unknown, label: string, fail: Fail): Record<string, string> {
  if (value === undefined) return {}
  const record = asRecord(value)
  if (!record || !Object.values(record).every((item) => typeof item === 'string')) {
    fail(`${label} must be a table of strings (key = "value"), not ${describeJson(value)}`)
  }
  return { ...(record as Record<string, string>) }
}

/** "a number", "a list", … for messages; null stands for a function or another host value. */
export function describeJson(value: unknown): string {
  if (value === null) return 'a function or other non-data value'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a table'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'number') return 'a number'
  return `a ${typeof value}`
}
