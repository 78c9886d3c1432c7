import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createNet, redactUrl } from '../../../src/platform/net.ts'
import { zoiFailure } from '../../support/expect-error.ts'
import { makeTempDir } from '../../support/run-cli.ts'

const PAYLOAD = new Uint8Array(200_000).map((_, i) => (i * 7) % 251)
let requests: { path: string; range: string | null }[] = []
let flaky = 0
let server: ReturnType<typeof Bun.serve>
let base = ''

beforeAll(() => {
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const url = new URL(req.url)
      const range = req.headers.get('range')
      requests.push({ path: url.pathname, range })
      if (url.pathname === '/flaky') return flaky-- > 0 ? new Response('busy', { status: 503 }) : new Response('ok')
      if (url.pathname === '/missing') return new Response('<html>404 Not Found</html>', { status: 404, statusText: 'Not Found' })
      if (url.pathname === '/text') return new Response('hello')
      if (url.pathname === '/blob') {
        const m = range && /^bytes=(\d+)-$/.exec(range)
        if (m) {
          const start = Number(m[1])
          return new Response(PAYLOAD.slice(start), { status: 206, headers: { 'content-range': `bytes ${start}-${PAYLOAD.length - 1}/${PAYLOAD.length}` } })
        }
        return new Response(PAYLOAD)
      }
      if (url.pathname === '/norange') return new Response(PAYLOAD)
      if (url.pathname === '/put-moved') return new Response(null, { status: 307, headers: { location: '/put' } })
      if (url.pathname === '/put') return req.bytes().then((b) => new Response(`${req.method} ${b.length} ${new Bun.CryptoHasher('sha256').update(b).digest('hex')}`))
      return new Response('nope', { status: 404 })
    },
  })
  base = `http://127.0.0.1:${server.port}`
})
afterAll(() => server.stop(true))


describe('offline', () => {
  test('refuses before any request, with exit 5 and the URL', async () => {
    requests = []
    const net = createNet({ offline: true })
    const e = await zoiFailure(net.getText(`${base}/text`))
    expect(e.exitCode).toBe(5)
    expect(e.message).toContain(`${base}/text`)
    const d = await zoiFailure(net.download(`${base}/blob`, join(makeTempDir(), 'x')))
    expect(d.code).toBe('OFFLINE')
    const r = await zoiFailure(net.request({ url: `${base}/text` }))
    expect(r.code).toBe('OFFLINE')
    expect(requests).toEqual([])
  })

  test('the refusal message never shows credentials', async () => {
    const e = await zoiFailure(createNet({ offline: true }).getText('https://bob:hunter2@example.invalid/x'))
    expect(e.message).not.toContain('hunter2')
    expect(e.message).toContain('https://***@example.invalid/x')
  })
})

describe('online', () => {
  const net = createNet({ offline: false, backoffMs: 1 })

  test('getText returns the body', async () => {
    expect(await net.getText(`${base}/text`)).toBe('hello')
  })

  test('a non-2xx answer is an error naming the URL, never a body', async () => {
    const e = await zoiFailure(net.getText(`${base}/missing`))
    expect(e.code).toBe('NETWORK')
    expect(e.message).toBe(`${base}/missing answered HTTP 404 Not Found`)
  })

  test('5xx is retried with backoff, then succeeds', async () => {
    flaky = 2
    const retries: number[] = []
    const n = createNet({ offline: false, backoffMs: 1, retries: 2, onRetry: (i) => retries.push(i.attempt) })
    expect(await n.getText(`${base}/flaky`)).toBe('ok')
    expect(retries).toEqual([1, 2])
  })

  test('a file given as a Blob body is sent as it is, again after a 307 redirect', async () => {
    const file = join(makeTempDir(), 'upload.bin')
    writeFileSync(file, PAYLOAD)
    const res = await net.request({ url: `${base}/put-moved`, method: 'PUT', body: Bun.file(file) })
    let text = ''
    for await (const c of res.body) text += new TextDecoder().decode(c)
    expect(text).toBe(`PUT ${PAYLOAD.length} ${new Bun.CryptoHasher('sha256').update(PAYLOAD).digest('hex')}`)
  })

  test('gives up after the retries', async () => {
    flaky = 10
    const e = await zoiFailure(createNet({ offline: false, backoffMs: 1, retries: 1 }).getText(`${base}/flaky`))
    expect(e.message).toContain('HTTP 503')
    flaky = 0
  })

  test('a connection refused is a NETWORK error (exit 5), credentials redacted', async () => {
    const dead = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
    const port = dead.port
    dead.stop(true)
    const e = await zoiFailure(createNet({ offline: false, retries: 0 }).getText(`http://u:pw@127.0.0.1:${port}/x`))
    expect(e.exitCode).toBe(5)
    expect(e.message).toContain(`http://***@127.0.0.1:${port}/x`)
    expect(e.message).not.toContain('pw@')
  })

  test('download writes through .part and renames', async () => {
    const dest = join(makeTempDir(), 'sub', 'blob.bin')
    const seen: number[] = []
    const r = await net.download(`${base}/blob`, dest, (loaded) => seen.push(loaded))
    expect(r).toEqual({ path: dest, bytes: PAYLOAD.length, resumedFrom: 0 })
    expect(new Uint8Array(readFileSync(dest))).toEqual(PAYLOAD)
    expect(existsSync(dest + '.part')).toBe(false)
    expect(seen.at(-1)).toBe(PAYLOAD.length)
  })

  test('download resumes a .part file with a Range request', async () => {
    const dest = join(makeTempDir(), 'blob.bin')
    writeFileSync(dest + '.part', PAYLOAD.slice(0, 50_000))
    requests = []
    const r = await net.download(`${base}/blob`, dest)
    expect(r.resumedFrom).toBe(50_000)
    expect(requests).toEqual([{ path: '/blob', range: 'bytes=50000-' }])
    expect(new Uint8Array(readFileSync(dest))).toEqual(PAYLOAD)
  })

  test('a server that ignores Range gets a fresh download', async () => {
    const dest = join(makeTempDir(), 'blob.bin')
    writeFileSync(dest + '.part', new Uint8Array(1000).fill(9))
    const r = await net.download(`${base}/norange`, dest)
    expect(r.resumedFrom).toBe(0)
    expect(new Uint8Array(readFileSync(dest))).toEqual(PAYLOAD)
  })

  test('a failed download leaves no file at the destination', async () => {
    const dest = join(makeTempDir(), 'x.bin')
    const e = await zoiFailure(net.download(`${base}/missing`, dest))
    expect(e.code).toBe('NETWORK')
    expect(existsSync(dest)).toBe(false)
  })
})

test.each([
  ['https://user:pass@host/x', 'https://***@host/x'],
  ['http://token@host:8080/a@b', 'http://***@host:8080/a@b'],
  ['https://host/path', 'https://host/path'],
])('redactUrl(%p)', (input, expected) => {
  expect(redactUrl(input)).toBe(expected)
})
