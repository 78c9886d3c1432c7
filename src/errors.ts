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

/** What each errno means for the user: the exit class and a few words. */
const SYSTEM_ERRORS: Record<string, { code: ErrorCode; what: string }> = {
  ENOENT: { code: 'NOT_FOUND', what: 'no such file or directory' },
  ENOTDIR: { code: 'USAGE', what: 'not a directory' },
  EISDIR: { code: 'USAGE', what: 'is a directory' },
  ENAMETOOLONG: { code: 'USAGE', what: 'file name too long for this filesystem' },
  EEXIST: { code: 'CONFLICT', what: 'already exists' },
  ENOTEMPTY: { code: 'CONFLICT', what: 'directory not empty' },
  ELOOP: { code: 'UNSAFE_PATH', what: 'too many levels of symbolic links' },
  EIO: { code: 'INTEGRITY', what: 'input/output error' },
  // The filesystem refuses the write: permissions, read-only media, no space left.
  EACCES: { code: 'PERMISSION', what: 'permission denied' },
  EPERM: { code: 'PERMISSION', what: 'operation not permitted' },
  EROFS: { code: 'PERMISSION', what: 'read-only filesystem' },
  ENOSPC: { code: 'PERMISSION', what: 'no space left on device' },
  EDQUOT: { code: 'PERMISSION', what: 'disk quota exceeded' },
  EMFILE: { code: 'PERMISSION', what: 'too many open files' },
  ENFILE: { code: 'PERMISSION', what: 'too many open files in the system' },
  EXDEV: { code: 'PERMISSION', what: 'cannot move across filesystems' },
}

const SYSTEM_HINTS: Partial<Record<ErrorCode, string>> = {
  PERMISSION: 'check the permissions of that path and the free space on its filesystem',
  NOT_FOUND: 'check the path',
}

/**
 * The one place a filesystem error (errno) that escaped to the CLI becomes a ZoiError naming the
 * path: a user's or the machine's fault is never exit 1. Other values are returned unchanged.
 */
export function fromSystemError(e: unknown): unknown {
  const errno = errnoCode(e)
  const known = errno === undefined ? undefined : SYSTEM_ERRORS[errno]
  if (known) {
    const { path, dest, syscall } = e as { path?: unknown; dest?: unknown; syscall?: unknown }
    const where = typeof path === 'string' ? ` ${path}${typeof dest === 'string' ? ` → ${dest}` : ''}` : ''
    const op = typeof syscall === 'string' ? `${syscall}` : 'file operation'
    return new ZoiError(known.code, `cannot ${op}${where}: ${known.what} (${errno})`, { hint: SYSTEM_HINTS[known.code], cause: e })
  }
  // SQLite reports a damaged database file only when a page is read.
  if (e instanceof Error && e.name === 'SQLiteError' && /malformed|not a database|corrupt/i.test(e.message)) {
    return new ZoiError('INTEGRITY', `a database file is damaged: ${describeError(e)}`, { hint: "run 'zoi sync --force' to rebuild the registry indexes", cause: e })
  }
  return e
}
