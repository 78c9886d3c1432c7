/** Disk space: the index's installed sizes are checked before anything is extracted; ENOSPC is NO_SPACE. */
import { afterAll, expect, test } from 'bun:test'
import { ZoiError } from '../../../src/errors.ts'
import { noSpaceError, requireFreeSpace } from '../../../src/store/index.ts'
import { catchError, removeTempDirs, userLayout } from './store-fixtures.ts'

afterAll(removeTempDirs)

test('installed sizes beyond the free space of the store disk: exit 7 naming the folder and the space needed', async () => {
  const { layout } = userLayout()
  const err = await catchError(() => requireFreeSpace(layout, [{ name: 'huge', bytes: 2 ** 60 }, { name: 'unknown' }]))
  expect((err as ZoiError).exitCode).toBe(7)
  expect((err as ZoiError).message).toContain(`not enough space in ${layout.tmpDir}: the install needs 1.0 EiB`)
  await requireFreeSpace(layout, [{ name: 'small', bytes: 1 }, { name: 'unknown' }])
})

test('ENOSPC wrapped by another error is NO_SPACE naming where, with the space needed', () => {
  const sys = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
  const wrapped = new ZoiError('INTERNAL', 'x: extraction failed', { cause: sys })
  const e = noSpaceError(wrapped, '/r/tmp', 3 * 1024 * 1024) as ZoiError
  expect(e.exitCode).toBe(7)
  expect(e.message).toBe('no space left on the disk holding /r/tmp; the install needs about 3.0 MiB (ENOSPC: no space left on device, write)')
  const other = new Error('boom')
  expect(noSpaceError(other, '/r/tmp')).toBe(other)
})
