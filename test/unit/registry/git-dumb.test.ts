import { describe, expect, test } from 'bun:test'
import { mayBeDumbHost, parseInfoRefs } from '../../../src/registry/git-dumb.ts'

describe('dumb HTTP helpers', () => {
  test('info/refs lines map refs to ids; peeled and malformed lines are ignored', () => {
    const a = 'a'.repeat(40)
    const b = 'b'.repeat(40)
    const refs = parseInfoRefs(`${a}\trefs/heads/main\n${b}\trefs/tags/v1\nnot a line\n${a}\trefs/tags/v1^{}\n`)
    expect(refs.get('refs/heads/main')).toBe(a)
    expect(refs.get('refs/tags/v1')).toBe(b)
  })

  test('a non-smart answer or a 404 to the smart request means: try the files', () => {
    expect(mayBeDumbHost({ code: 'SmartHttpError' })).toBe(true)
    expect(mayBeDumbHost({ code: 'HttpError', data: { statusCode: 404 } })).toBe(true)
    expect(mayBeDumbHost({ code: 'HttpError', data: { statusCode: 500 } })).toBe(false)
    expect(mayBeDumbHost(new Error('x'))).toBe(false)
  })
})
