/**
 * The network edge under hostile or broken servers: bodies that stall after the headers, hosts
 * that are down (remembered, not retried per file), and link-local addresses a registry may
 * not send zoi to (directly, through a name, or through a redirect).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createNet } from '../../../src/platform/net.ts'
import { TrustedHosts, hostDownCode, isLinkLocalAddress } from '../../../src/platform/net-guard.ts'
import { zoiFailure } from '../../support/expect-error.ts'
import { makeTempDir } from '../../support/run-cli.ts'

let server: ReturnType<typeof Bun.serve>
let base = ''
const hits: string[] = []

/** Headers and a first chunk, then silence (the connection stays open). */
function stalling(): Response {
  return new Response(
    new ReadableStream({
      async pull(c) {
        c.enqueue(new Uint8Array(16))
        await new Promise(() => {})
      },
    }),
    { headers: { 'content-length': '1000' } },
  )
}

beforeAll(() => {
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    fetch(req) {
      const path = new URL(req.url).pathname
      hits.push(path)
      if (path === '/stall') return stalling()
      if (path === '/to-metadata') return new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } })
      if (path === '/to-text') return new Response(null, { status: 301, headers: { location: '/text' } })
      return new Response('hello')
    },
  })
  base = `http://127.0.0.1:${server.port}`
})
afterAll(() => server.stop(true))

async function closedPort(): Promise<number> {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
  const port = s.port!
  await s.stop(true)
  return port
}

describe('a body that stalls after the headers', () => {
  const net = () => createNet({ offline: false, timeoutMs: 300, retries: 0 })

  test('getText fails after the idle timeout instead of hanging', async () => {
    const e = await zoiFailure(net().getText(`${base}/stall`))
    expect(e.exitCode).toBe(5)
    expect(e.message).toContain(`${base}/stall`)
    expect(e.message).toContain('no data for 300 ms')
  })

  test('download fails after the idle timeout and keeps the .part to resume from', async () => {
    const dest = join(makeTempDir(), 'x.bin')
    const e = await zoiFailure(net().download(`${base}/stall`, dest))
    expect(e.code).toBe('NETWORK')
    expect(e.message).toContain('no data for 300 ms')
    expect(existsSync(dest)).toBe(false)
    expect(existsSync(`${dest}.part`)).toBe(true)
  })

  test('a streamed request body (the git transport) fails after the idle timeout', async () => {
    const res = await net().request({ url: `${base}/stall` })
    const e = await zoiFailure((async () => {
      for await (const _ of res.body) void _
    })())
    expect(e.message).toContain('no data for 300 ms')
  })
})

describe('a host that is down', () => {
  test('a refused connection is not retried, and the host is remembered for the run', async () => {
    const port = await closedPort()
    const retries: string[] = []
    const down: { host: string; error: string }[] = []
    const net = createNet({ offline: false, backoffMs: 1, onRetry: (r) => retries.push(r.url), onHostDown: (d) => down.push(d) })
    for (const file of ['a.hash', 'b.hash', 'c.hash']) {
      const e = await zoiFailure(net.getText(`http://127.0.0.1:${port}/${file}`))
      expect(e.exitCode).toBe(5)
      expect(e.message).toContain(file)
    }
    expect(retries).toEqual([])
    expect(down).toEqual([{ host: `http://127.0.0.1:${port}`, error: 'ECONNREFUSED' }])
  })

  test('a name that does not resolve is looked up once and not retried', async () => {
    let lookups = 0
    const lookup = async () => {
      lookups++
      throw Object.assign(new Error('getaddrinfo ENOTFOUND pkgs.invalid'), { code: 'ENOTFOUND' })
    }
    const down: string[] = []
    const net = createNet({ offline: false, backoffMs: 1, lookup, onHostDown: (d) => down.push(d.error) })
    for (const f of ['x', 'y', 'z']) {
      const e = await zoiFailure(net.download(`https://pkgs.invalid/${f}.pkg.tar.zst`, join(makeTempDir(), f)))
      expect(e.code).toBe('NETWORK')
    }
    expect(lookups).toBe(1)
    expect(down).toEqual(['ENOTFOUND'])
  })

  test('other hosts are still contacted', async () => {
    const port = await closedPort()
    const net = createNet({ offline: false, retries: 0 })
    await zoiFailure(net.getText(`http://127.0.0.1:${port}/x`))
    expect(await net.getText(`${base}/text`)).toBe('hello')
  })
})

describe('link-local addresses chosen by a registry', () => {
  test('a link-local literal is refused with exit 5 naming the URL, before any connection', async () => {
    const e = await zoiFailure(createNet({ offline: false }).getText('http://169.254.169.254/latest/meta-data/'))
    expect(e.exitCode).toBe(5)
    expect(e.message).toContain('http://169.254.169.254/latest/meta-data/')
    expect(e.message).toContain('link-local')
  })

  test('a name that resolves to a link-local address is refused', async () => {
    const net = createNet({ offline: false, lookup: async () => ['10.0.0.1', 'fe80::1'] })
    const e = await zoiFailure(net.download('http://metadata.test/x.pkg.tar.zst', join(makeTempDir(), 'x')))
    expect(e.message).toContain('refusing to contact http://metadata.test/x.pkg.tar.zst')
  })

  test('a redirect to a link-local address is refused', async () => {
    hits.length = 0
    const e = await zoiFailure(createNet({ offline: false }).getText(`${base}/to-metadata`))
    expect(e.exitCode).toBe(5)
    expect(e.message).toContain('169.254.169.254')
    expect(hits).toEqual(['/to-metadata'])
  })

  test('ordinary redirects are still followed', async () => {
    expect(await createNet({ offline: false }).getText(`${base}/to-text`)).toBe('hello')
  })

  test('a host the user configured may be link-local', () => {
    const trusted = new TrustedHosts(['http://169.254.10.10:8080/registry.git'])
    expect(trusted.has('http://169.254.10.10/pkgs/x.pkg.tar.zst')).toBe(true)
    expect(trusted.has('http://169.254.169.254/latest/meta-data/')).toBe(false)
  })

  test.each([
    ['169.254.169.254', true],
    ['169.254.0.1', true],
    ['169.253.1.1', false],
    ['10.0.0.1', false],
    ['127.0.0.1', false],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['febf::1', true],
    ['fec0::1', false],
    ['::1', false],
    ['::ffff:169.254.169.254', true],
    ['::ffff:a9fe:a9fe', true],
    ['2001:db8::1', false],
  ])('isLinkLocalAddress(%p) is %p', (address, expected) => {
    expect(isLinkLocalAddress(address)).toBe(expected)
  })

  test('hostDownCode knows refusals and unknown names only', () => {
    expect(hostDownCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED')
    expect(hostDownCode(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))).toBe('ENOTFOUND')
    expect(hostDownCode(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBeUndefined()
  })
})
