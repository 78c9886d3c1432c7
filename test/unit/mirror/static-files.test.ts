/**
 * The mirror server's static half: ranges, validators, content types, read-only, and the
 * attacks on the path (traversal, encoded slashes, hidden files, symlinks leading out).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startMirrorServer, type MirrorServer } from '../../../src/mirror/index.ts'
import { splitRequestPath } from '../../../src/mirror/request-path.ts'
import { parseRange } from '../../../src/mirror/static-files.ts'
import { makeTempDir, removeTempDirs } from '../../support/make-git-repo.ts'

let root: string
let outside: string
let server: MirrorServer
const ARCHIVE = 'pkgs/core/linux/amd64/1.0.0/hello-1.0.0-linux-amd64.pkg.tar.zst'
const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff)

beforeAll(async () => {
  root = await makeTempDir('zoi-serve-')
  outside = await makeTempDir('zoi-outside-')
  await mkdir(join(root, 'pkgs/core/linux/amd64/1.0.0'), { recursive: true })
  await writeFile(join(root, ARCHIVE), bytes)
  await writeFile(join(root, `${ARCHIVE}.hash`), `${'a'.repeat(128)}  hello-1.0.0-linux-amd64.pkg.tar.zst\n`)
  await writeFile(join(root, 'manifest.json'), '{}\n')
  await writeFile(join(root, '.zoi-mirror.lock'), 'private\n')
  await writeFile(join(outside, 'secret.txt'), 'secret\n')
  await symlink(join(outside, 'secret.txt'), join(root, 'leak.txt'))
  await mkdir(join(root, '.zoi'))
  await writeFile(join(root, '.zoi/index-linux-amd64.db'), 'private index\n')
  await symlink('.zoi', join(root, 'state'))
  await symlink('../../../../../.zoi/index-linux-amd64.db', join(root, 'pkgs/core/linux/amd64/1.0.0/index.db'))
  await mkdir(join(root, 'archives'))
  await symlink(`../${ARCHIVE}`, join(root, 'archives/hello-1.0.0-linux-amd64.pkg.tar.zst'))
  server = await startMirrorServer({ dir: root, host: '127.0.0.1', port: 0 })
})
afterAll(async () => {
  await server.stop()
  await removeTempDirs()
})

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${server.url}${path}`, { headers, method })

describe('static files', () => {
  test('GET and HEAD: length, content types, validators', async () => {
    const res = await get(`/${ARCHIVE}`)
    expect(res.status).toBe(200)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes)
    expect(res.headers.get('content-type')).toBe('application/zstd')
    expect(res.headers.get('accept-ranges')).toBe('bytes')
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/)
    expect(res.headers.get('last-modified')).toMatch(/GMT$/)
    expect((await get(`/${ARCHIVE}.hash`)).headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect((await get('/manifest.json')).headers.get('content-type')).toBe('application/json')
    const head = await get(`/${ARCHIVE}`, {}, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(bytes.length))
    expect((await head.arrayBuffer()).byteLength).toBe(0)
  })

  test('byte ranges: a-b, a-, -n, unsatisfiable, If-Range', async () => {
    const mid = await get(`/${ARCHIVE}`, { range: 'bytes=10-19' })
    expect(mid.status).toBe(206)
    expect(mid.headers.get('content-range')).toBe(`bytes 10-19/${bytes.length}`)
    expect(new Uint8Array(await mid.arrayBuffer())).toEqual(bytes.subarray(10, 20))
    const tail = await get(`/${ARCHIVE}`, { range: 'bytes=299990-' })
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.subarray(299_990))
    const suffix = await get(`/${ARCHIVE}`, { range: 'bytes=-5' })
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 5))
    const beyond = await get(`/${ARCHIVE}`, { range: 'bytes=300000-' })
    expect(beyond.status).toBe(416)
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`)
    const stale = await get(`/${ARCHIVE}`, { range: 'bytes=0-9', 'if-range': '"not-this-one"' })
    expect(stale.status).toBe(200)
    const etag = (await get(`/${ARCHIVE}`, {}, 'HEAD')).headers.get('etag')!
    expect((await get(`/${ARCHIVE}`, { range: 'bytes=0-9', 'if-range': etag })).status).toBe(206)
  })

  test('conditional GET: If-None-Match and If-Modified-Since answer 304', async () => {
    const first = await get(`/${ARCHIVE}`, {}, 'HEAD')
    expect((await get(`/${ARCHIVE}`, { 'if-none-match': first.headers.get('etag')! })).status).toBe(304)
    expect((await get(`/${ARCHIVE}`, { 'if-modified-since': first.headers.get('last-modified')! })).status).toBe(304)
    expect((await get(`/${ARCHIVE}`, { 'if-none-match': '"other"' })).status).toBe(200)
  })

  test('read-only: other methods are 405', async () => {
    for (const method of ['PUT', 'POST', 'DELETE']) {
      const res = await get(`/${ARCHIVE}`, {}, method)
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('GET, HEAD')
    }
  })

  test('directory traversal is refused, encoded or not', async () => {
    for (const path of ['/pkgs/%2e%2e/%2e%2e/etc/passwd', '/pkgs%2f..%2f..%2fetc%2fpasswd', '/pkgs/..%5c..%5cetc', '/a%00b']) {
      const res = await get(path)
      expect([403, 404]).toContain(res.status)
      expect(await res.text()).not.toContain('root:')
    }
    // fetch() normalises dot segments before sending; a raw request line does not.
    for (const path of ['/../../../etc/passwd', '/pkgs/%2e%2e/%2e%2e/%2e%2e/etc/passwd', `/${'..%2f'.repeat(6)}etc/passwd`]) {
      const raw = await rawGet(path)
      expect(raw).toMatch(/^HTTP\/1\.1 (403|404)/)
      expect(raw).not.toContain('root:')
    }
    expect(splitRequestPath('/a/%2e%2e/b')).toEqual({ ok: false, status: 403, reason: 'path traversal refused' })
    expect(splitRequestPath('/a/%2Fetc')).toEqual({ ok: false, status: 403, reason: 'path traversal refused' })
    expect(splitRequestPath('/a/%zz')).toMatchObject({ ok: false, status: 400 })
  })

  test('hidden files and symlinks leading outside the folder are not served; links inside are', async () => {
    expect((await get('/.zoi-mirror.lock')).status).toBe(404)
    const leak = await get('/leak.txt')
    expect(leak.status).toBe(404)
    expect(await leak.text()).not.toContain('secret')
    const flat = await get('/archives/hello-1.0.0-linux-amd64.pkg.tar.zst')
    expect(flat.status).toBe(200)
    expect((await flat.arrayBuffer()).byteLength).toBe(bytes.length)
  })

  test('a symlink inside the served mirror that points into its private .zoi/ state is not served', async () => {
    for (const path of ['/state/index-linux-amd64.db', '/pkgs/core/linux/amd64/1.0.0/index.db']) {
      const res = await get(path)
      expect(res.status).toBe(404)
      expect(await res.text()).not.toContain('private')
    }
  })

  test('misses are plain-text 404s (never HTML), directories included', async () => {
    for (const path of ['/nothing-here', '/pkgs', '/']) {
      const res = await get(path)
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    }
  })

  test('50 parallel downloads are all served whole', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const res = await get(i % 2 ? `/${ARCHIVE}` : '/archives/hello-1.0.0-linux-amd64.pkg.tar.zst')
      return { status: res.status, length: (await res.arrayBuffer()).byteLength }
    }))
    expect(results.every((r) => r.status === 200 && r.length === bytes.length)).toBe(true)
  })
})

/** One request written byte for byte on a socket, so the path reaches the server unnormalised. */
async function rawGet(path: string): Promise<string> {
  const { port } = new URL(server.url)
  let text = ''
  const { promise, resolve } = Promise.withResolvers<string>()
  await Bun.connect({
    hostname: '127.0.0.1',
    port: Number(port),
    socket: {
      open: (s) => void s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      data: (_, chunk) => void (text += chunk.toString()),
      close: () => resolve(text),
      error: () => resolve(text),
    },
  })
  return promise
}

describe('parseRange', () => {
  test.each([
    ['bytes=0-0', 10, { start: 0, end: 0 }],
    ['bytes=5-100', 10, { start: 5, end: 9 }],
    ['bytes=-3', 10, { start: 7, end: 9 }],
    ['bytes=10-', 10, 'unsatisfiable'],
    ['bytes=-0', 10, 'unsatisfiable'],
    ['bytes=0-1,3-4', 10, undefined],
    ['items=0-1', 10, undefined],
    ['bytes=5-2', 10, undefined],
  ] as const)('%s of %d bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected)
  })
})
