import { describe, expect, test } from 'bun:test'
import { readFile } from 'node:fs/promises'
import { ZoiError, fromSystemError } from '../../src/errors.ts'

const errno = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${code}: boom`), { code, syscall: 'open', path: '/x/y', ...extra })

describe('fromSystemError: no errno error reaches the user as exit 1', () => {
  test.each([
    ['ENOENT', 3], ['ENOTDIR', 2], ['EISDIR', 2], ['ENAMETOOLONG', 2], ['EEXIST', 4], ['ELOOP', 6], ['EIO', 6],
    ['EACCES', 7], ['EPERM', 7], ['EROFS', 7], ['ENOSPC', 7], ['EDQUOT', 7], ['EMFILE', 7],
  ] as const)('%s is exit %d naming the path', (code, exit) => {
    const e = fromSystemError(errno(code)) as ZoiError
    expect(e).toBeInstanceOf(ZoiError)
    expect(e.exitCode).toBe(exit)
    expect(e.message).toStartWith('cannot open /x/y: ')
    expect(e.message).toEndWith(`(${code})`)
  })

  test('a real failed read names its file', async () => {
    const e = fromSystemError(await readFile('/no/such/zoi-file').catch((x) => x)) as ZoiError
    expect(e.exitCode).toBe(3)
    expect(e.message).toContain('/no/such/zoi-file')
  })

  test('a rename names both paths', () => {
    expect((fromSystemError(errno('EXDEV', { syscall: 'rename', dest: '/z' })) as ZoiError).message).toBe('cannot rename /x/y → /z: cannot move across filesystems (EXDEV)')
  })

  test('anything else is left alone (a bug stays a bug)', () => {
    const bug = new TypeError('x is undefined')
    expect(fromSystemError(bug)).toBe(bug)
    expect(fromSystemError(errno('EWHATEVER'))).toBeInstanceOf(Error)
    expect(fromSystemError(errno('EWHATEVER'))).not.toBeInstanceOf(ZoiError)
  })
})
