/** The hash strings definitions give to verifyHash and UTILS.DOWNLOAD. */
import { ZoiError } from '../errors.ts'

/** "sha512-<hex>" or "sha256-<hex>" (base64, as in SRI strings, is accepted too). */
export function parseHashSpec(spec: string): { algorithm: 'sha256' | 'sha512'; hex: string } {
  const m = /^(sha256|sha512)-(.+)$/i.exec(spec.trim())
  const algorithm = m?.[1]?.toLowerCase() as 'sha256' | 'sha512' | undefined
  const length = algorithm === 'sha512' ? 128 : 64
  const value = m?.[2] ?? ''
  const hex = /^[0-9a-f]+$/i.test(value) ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex')
  if (!algorithm || hex.length !== length) {
    throw new ZoiError('BAD_DEFINITION', `verifyHash: '${spec}' is not "sha256-<hex>" or "sha512-<hex>"`)
  }
  return { algorithm, hex }
}
