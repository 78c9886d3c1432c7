/**
 * The one error type of zoi. Every failure a user can act on is a ZoiError with a code;
 * the code decides the exit status (SPEC §2). Anything else reaching the CLI is a bug (exit 1).
 */

export const ERRORS = {
  INTERNAL: { exit: 1 },
  NOT_IMPLEMENTED: { exit: 1 },
  USAGE: { exit: 2 },
  NOT_FOUND: { exit: 3 },
  UNSATISFIABLE: { exit: 4 },
  CONFLICT: { exit: 4 },
  REFUSED: { exit: 4 },
  OFFLINE: { exit: 5 },
  NETWORK: { exit: 5 },
  INTEGRITY: { exit: 6 },
  UNSAFE_PATH: { exit: 6 },
  BAD_DEFINITION: { exit: 6 },
  LOCKED: { exit: 7 },
  PERMISSION: { exit: 7 },
  NO_SPACE: { exit: 7 },
} as const satisfies Record<string, { exit: number }>

export type ErrorCode = keyof typeof ERRORS

export interface ErrorDetails {
  hint?: string
  cause?: unknown
  data?: Record<string, unknown>
}

export class ZoiError extends Error {
  readonly code: ErrorCode
  readonly hint?: string
  readonly data?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'ZoiError'
    this.code = code
    this.hint = details.hint
    this.data = details.data
  }

  get exitCode(): number {
    return ERRORS[this.code].exit
  }
}

export function isZoiError(e: unknown, code?: ErrorCode): e is ZoiError {
  return e instanceof ZoiError && (code === undefined || e.code === code)
}

/** The errno-style code of a Node/Bun system error (`ENOENT`, `EACCES`, …), if any. */
export function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** A short, single-line description of any thrown value, for wrapping third-party errors. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.name
  return String(e)
}
