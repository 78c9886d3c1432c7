/**
 * What passes between extract-thread.ts and its worker: the job, the replies, and errors as
 * plain data. An error is rebuilt on the main thread as what it was: a ZoiError with its code,
 * hint and data, or a system error with its errno code and path (a full disk is still ENOSPC
 * under any wrapping), each with its cause.
 */
import { ZoiError, errnoCode, isZoiError, type ErrorCode } from '../errors.ts'
import type { ExtractOptions, ExtractResult } from './extract.ts'

export interface ExtractJob {
  archivePath: string
  destDir: string
  /** Everything but the progress callback, which becomes `progress` replies. */
  options: Omit<ExtractOptions, 'onProgress'>
}

export type ExtractReply = { progress: number } | { result: ExtractResult } | { error: WireError }

export interface WireError {
  message: string
  zoi?: { code: ErrorCode; hint?: string; data?: Record<string, unknown> }
  errno?: string
  path?: string
  cause?: WireError
}

/** `e` as plain data, causes included (a few levels deep). */
export function toWire(e: unknown, depth = 0): WireError {
  const message = e instanceof Error ? e.message : String(e)
  const wire: WireError = { message }
  if (isZoiError(e)) wire.zoi = { code: e.code, ...(e.hint === undefined ? {} : { hint: e.hint }), ...(e.data === undefined ? {} : { data: plainData(e.data) }) }
  else if (errnoCode(e) !== undefined) wire.errno = errnoCode(e)
  const path = (e as { path?: unknown } | null)?.path
  if (typeof path === 'string') wire.path = path
  const cause = (e as { cause?: unknown } | null)?.cause
  if (cause !== undefined && depth < 4) wire.cause = toWire(cause, depth + 1)
  return wire
}

/** The error `toWire` described. */
export function fromWire(wire: WireError): Error {
  const cause = wire.cause && fromWire(wire.cause)
  if (wire.zoi) return new ZoiError(wire.zoi.code, wire.message, { hint: wire.zoi.hint, data: wire.zoi.data, cause })
  const e = new Error(wire.message, cause === undefined ? undefined : { cause }) as Error & { code?: string; path?: string }
  if (wire.errno !== undefined) e.code = wire.errno
  if (wire.path !== undefined) e.path = wire.path
  return e
}

/** Only what survives a structured clone: strings, numbers, booleans, null, and arrays and objects of them. */
function plainData(data: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(data)
  } catch {
    return {}
  }
}
