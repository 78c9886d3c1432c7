import { describe, expect, test } from 'bun:test'
import { ZoiError } from '../../../src/errors.ts'
import type { Net } from '../../../src/platform/net.ts'
import { dumbHeadAfter, parseInfoRefs } from '../../../src/registry/git-dumb.ts'

const A = 'a'.repeat(40)

/** A Net whose GETs answer from `files` (path → text); anything else is an HTTP 404. */
function fakeNet(files: Record<string, string>): Net & { asked: string[] } {
  const asked: string[] = []
  return {
    asked,
    offline: false,
    request: () => Promise.reject(new Error('not used')),
    download: () => Promise.reject(new Error('not used')),
    trust: () => {},
    async getText(url: string) {
      asked.push(url)
      const path = new URL(url).pathname
      if (files[path] !== undefined) return files[path]!
      throw new ZoiError('NETWORK', `${url} answered HTTP 404`, { data: { url, status: 404 } })
    },
  } as unknown as Net & { asked: string[] }
}

const STATIC = { '/r.git/info/refs': `${A}\trefs/heads/main\n`, '/r.git/HEAD': 'ref: refs/heads/main\n' }

describe('dumb HTTP helpers', () => {
  test('info/refs lines map refs to ids; peeled and malformed lines are ignored', () => {
    const b = 'b'.repeat(40)
    const refs = parseInfoRefs(`${A}\trefs/heads/main\n${b}\trefs/tags/v1\nnot a line\n${A}\trefs/tags/v1^{}\n`)
    expect(refs.get('refs/heads/main')).toBe(A)
    expect(refs.get('refs/tags/v1')).toBe(b)
  })

  test('a non-smart answer or a 404 to the smart request means: try the files', async () => {
    const ours = new ZoiError('NETWORK', 'http://h/r.git is not a git smart-HTTP server', { data: { mayBeDumb: true } })
    for (const smart of [{ code: 'SmartHttpError' }, { code: 'HttpError', data: { statusCode: 404 } }, ours]) {
      expect(await dumbHeadAfter(smart, fakeNet(STATIC), 'http://h/r.git')).toEqual({ oid: A, branch: 'refs/heads/main' })
    }
  })

  test('any other smart failure is rethrown without asking for the files', async () => {
    for (const smart of [{ code: 'HttpError', data: { statusCode: 500 } }, new Error('x')]) {
      const net = fakeNet(STATIC)
      expect(await dumbHeadAfter(smart, net, 'http://h/r.git').catch((e: unknown) => e)).toBe(smart)
      expect(net.asked).toEqual([])
    }
  })

  test('a cut-off smart transfer stays the smart error when the host has no dumb repository (was: NOT_FOUND)', async () => {
    const smart = { code: 'SmartHttpError' }
    expect(await dumbHeadAfter(smart, fakeNet({}), 'http://h/r.git').catch((e: unknown) => e)).toBe(smart)
  })
})
