/**
 * The one place where isomorphic-git's errors (and file-system errors met while syncing) become
 * ZoiErrors: network trouble → NETWORK (exit 5), a missing repository or ref → NOT_FOUND,
 * a hostile tree → UNSAFE_PATH. Every message names the registry URL, with credentials redacted.
 */
import { ZoiError, describeError, errnoCode, isZoiError, type ErrorDetails } from '../errors.ts'
import { redactUrl } from '../platform/net.ts'

/** `source` is the registry URL or path as the user wrote it; `remote` says it was http(s). */
export function toZoiError(e: unknown, source: string, remote: boolean): ZoiError {
  if (isZoiError(e)) return e
  const where = redactUrl(source)
  const code = (e as { code?: unknown } | null)?.code
  const data = (e as { data?: Record<string, unknown> } | null)?.data ?? {}
  const detail = redactUrl(gitDetail(e))
  const details = { cause: e, data: { url: where } }
  switch (code) {
    case 'HttpError':
      return httpStatusError(where, Number(data.statusCode), String(data.statusMessage ?? ''), details)
    case 'EmptyServerResponseError':
    case 'ParseError':
    case 'InvalidOidError':
      return new ZoiError('NETWORK', `${where} sent an incomplete or malformed git response: ${detail}`, {
        ...details,
        hint: 'the connection may have been cut; run the sync again',
      })
    case 'SmartHttpError':
    case 'RemoteCapabilityError':
    case 'UnknownTransportError':
    case 'UrlParseError':
      return new ZoiError('NETWORK', `${where} is not a usable git smart-HTTP registry: ${detail}`, details)
    case 'NotFoundError':
      return new ZoiError('NOT_FOUND', `registry ${where}: ${detail}`, details)
    case 'UnsafeFilepathError':
    case 'InvalidFilepathError':
      return new ZoiError('UNSAFE_PATH', `registry ${where} contains an unsafe path: ${detail}`, {
        ...details,
        hint: "the previous clone is kept; the registry's tree escapes its folder or names a path twice (git fsck refuses it too): tell its maintainers",
      })
  }
  const errno = errnoCode(e)
  if (errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS') {
    return new ZoiError('PERMISSION', `permission denied while syncing ${where}: ${detail}`, details)
  }
  if (remote) return new ZoiError('NETWORK', `sync of ${where} failed: ${detail}`, details)
  return new ZoiError('INTEGRITY', `sync from ${where} failed: ${detail}`, details)
}

/** A git server's non-2xx answer (`where` already redacted): 404 is NOT_FOUND, the rest NETWORK. */
export function httpStatusError(where: string, status: number, statusText: string, details: ErrorDetails = {}): ZoiError {
  if (status === 404) {
    return new ZoiError('NOT_FOUND', `no git repository at ${where} (HTTP 404)`, {
      ...details,
      hint: 'check the registry URL with `zoi sync list`',
    })
  }
  const auth = status === 401 || status === 403
  return new ZoiError('NETWORK', `${where} answered HTTP ${status}${statusText ? ' ' + statusText : ''}`, {
    ...details,
    hint: auth ? 'the registry needs credentials: put them in the URL (https://user:token@host/…)' : undefined,
  })
}

/** isomorphic-git wraps what it did not expect in an InternalError whose own text is in `data.message`. */
function gitDetail(e: unknown): string {
  const inner = (e as { code?: unknown; data?: { message?: unknown } } | null)?.data?.message
  if ((e as { code?: unknown } | null)?.code === 'InternalError' && typeof inner === 'string') return inner.split('\n')[0]!
  return describeError(e)
}

/**
 * Object bytes that fail their own checks (SHA-1 or zlib) in a repository zoi keeps — a disk
 * error, or a copy an older zoi left half-written when killed — are INTEGRITY (exit 6), naming
 * the repository, never an internal error. Anything else is returned unchanged.
 */
export function damagedRepository(e: unknown, gitdir: string, hint: string): unknown {
  if (isZoiError(e)) return e
  const detail = gitDetail(e)
  if (!/SHA check failed|Invalid compressed buffer|incorrect header check|unexpected end of file|invalid (stored block|distance|code|block type)/i.test(detail)) return e
  return new ZoiError('INTEGRITY', `git repository ${gitdir} holds a damaged object: ${detail}`, { hint, cause: e })
}
