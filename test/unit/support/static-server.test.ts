import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTempDir, removeTempDirs } from '../../support/make-git-repo.ts'
import { parseRange, startStaticServer, type StaticServer } from '../../support/static-server.ts'

afterAll(removeTempDirs)

const CONTENT = Buffer.from('0123456789abcdefghij') // 20 bytes

describe('static test server', () => {
  let server: StaticServer
  let root: string

  beforeAll(async () => {
    const parent = await makeTempDir()
    root = join(parent, 'www')
    await mkdir(join(root, 'sub'), { recursive: true })
    await writeFile(join(root, 'sub', 'file.bin'), CONTENT)
    await writeFile(join(parent, 'secret.txt'), 'do not serve')
    server = await startStaticServer(root)
  })
  afterAll(async () => await server.stop())

  test('serves a whole file with ETag and Last-Modified', async () => {
    const res = await fetch(`${server.url}/sub/file.bin`)
    expect(res.status).toBe(200)
    expect(res.headers.get('etag')).toMatch(/^".+"$/)
    expect(Date.parse(res.headers.get('last-modified')!)).toBeGreaterThan(0)
    expect(Buffer.from(await res.arrayBuffer())).toEqual(CONTENT)
  })

  test.each([
    ['bytes=5-', 206, 'bytes 5-19/20', '56789abcdefghij'],
    ['bytes=5-9', 206, 'bytes 5-9/20', '56789'],
    ['bytes=-3', 206, 'bytes 17-19/20', 'hij'],
    ['bytes=20-', 416, 'bytes */20', undefined],
    ['bytes=9-5', 416, 'bytes */20', undefined],
    ['lines=1-2', 416, 'bytes */20', undefined],
  ])('Range %s → %d', async (range, status, contentRange, body) => {
    const res = await fetch(`${server.url}/sub/file.bin`, { headers: { range } })
    expect(res.status).toBe(status)
    expect(res.headers.get('content-range')).toBe(contentRange)
    const text = await res.text()
    if (body !== undefined) expect(text).toBe(body)
  })

  test('HEAD gives the length without a body', async () => {
    const res = await fetch(`${server.url}/sub/file.bin`, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe('20')
    expect(await res.text()).toBe('')
  })

  test('a missing file is a 404 HTML page, not an empty success', async () => {
    const res = await fetch(`${server.url}/sub/missing.bin`)
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(await res.text()).toContain('<html>')
  })

  test('directory traversal with an encoded slash is refused', async () => {
    const res = await fetch(`${server.url}/sub/..%2f..%2fsecret.txt`)
    expect(res.status).toBe(403)
    expect(await res.text()).not.toContain('do not serve')
  })

  test('failNext makes exactly one request fail', async () => {
    server.failNext('/sub/file.bin', 503)
    expect((await fetch(`${server.url}/sub/file.bin`)).status).toBe(503)
    expect((await fetch(`${server.url}/sub/file.bin`)).status).toBe(200)
  })

  test('dropNextAfter announces the full length, then cuts the connection', async () => {
    server.dropNextAfter('/sub/file.bin', 7)
    const res = await fetch(`${server.url}/sub/file.bin`)
    expect(res.headers.get('content-length')).toBe('20')
    await expect(res.arrayBuffer()).rejects.toThrow()
    const resumed = await fetch(`${server.url}/sub/file.bin`, { headers: { range: 'bytes=7-' } })
    expect(await resumed.text()).toBe(CONTENT.subarray(7).toString())
  })

  test('hits record method, path and range', async () => {
    await fetch(`${server.url}/sub/file.bin`, { headers: { range: 'bytes=1-2' } })
    expect(server.hits.at(-1)).toBe('GET /sub/file.bin bytes=1-2')
  })

  test('parseRange is pure', () => {
    expect(parseRange(null, 10)).toBeUndefined()
    expect(parseRange('bytes=0-100', 10)).toEqual({ start: 0, end: 9 })
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable')
  })
})
