/** Awaits a promise that must reject with a ZoiError and returns it (for code/message checks). */
import { ZoiError } from '../../src/errors.ts'

export async function zoiFailure(p: Promise<unknown>): Promise<ZoiError> {
  try {
    await p
  } catch (e) {
    if (e instanceof ZoiError) return e
    throw e
  }
  throw new Error('expected a ZoiError')
}
