/** fetchArchives (SPEC §7 steps 2–3, §8) against static servers on 127.0.0.1. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fetchArchives, type DownloadSource, type FetchItem } from '../../../src/cache/index.ts'
import { createNet, type Net } from '../../../src/platform/net.ts'
import { silent } from '../../../src/progress.ts'
import { makeTempDir } from '../../support/run-cli.ts'
import { startStaticServer, type StaticServer } from '../../support/static-server.ts'
import { buildArchive, noise, recordReports, rejection, type BuiltArchive } from './cache-fixtures.ts'

const online = createNet({ offline: false, retries: 0, timeoutMs: 5000 })
const offline = createNet({ offline: true })
const primaryDir = makeTempDir('zoi-primary-')
const mirrorDir = makeTempDir('zoi-mirror-')
let primary: StaticServer
let mirror: StaticServer
let hello: BuiltArchive
let big: BuiltArchive
let bare: BuiltArchive

beforeAll(async () => {
  hello = await buildArchive(primaryDir, 'hello', '1.0.0', { sidecars: true })
  await buildArchive(mirrorDir, 'hello', '1.0.0', { sidecars: true })
  big = await buildArchive(primaryDir, 'big', '2.0.0', { payloadBytes: 60_000, sidecars: true })
  bare = await buildArchive(primaryDir, 'bare', '0.1.0') // no sidecars published
  primary = await startStaticServer(primaryDir)
  mirror = await startStaticServer(mirrorDir)
})
afterAll(async () => {
  await primary.stop()
  await mirror.stop()
})

function source(base: string, fileName: string): DownloadSource {
  const url = `${base}/${fileName}`
  return { url, hashUrl: `${url}.hash`, sizeUrl: `${url}.size`, filesUrl: `${url}.files` }
}

function item(a: BuiltArchive, bases: string[], extra: Partial<FetchItem> = {}): FetchItem {
  return { fileName: a.fileName, candidates: bases.map((b) => source(b, a.fileName)), hashRequired: false, ...extra }
}

function fetchOne(it: FetchItem, opts: { net?: Net; cacheDir?: string; pkgDirs?: string[]; report?: typeof silent } = {}) {
  return fetchArchives([it], { net: opts.net ?? online, cacheDir: opts.cacheDir ?? makeTempDir('zoi-cache-'), pkgDirs: opts.pkgDirs ?? [], report: opts.report ?? silent })
}

function hitsSince(server: StaticServer, from: number): string[] {
  return server.hits.slice(from)
}

describe('download into the cache', () => {
  test('an empty cache gets the archive from the first candidate, verified by its .hash, with sidecars beside', async () => {
    const cacheDir = makeTempDir('zoi-cache-')
    const from = primary.hits.length
    const [got] = await fetchOne(item(hello, [primary.url, mirror.url]), { cacheDir })
    expect(got).toMatchObject({ source: 'download', path: join(cacheDir, hello.fileName), url: `${primary.url}/${hello.fileName}` })
    expect(got!.hash).toMatchObject({ algorithm: 'sha512', hex: hello.sha512, origin: 'download' })
    expect(readFileSync(got!.path)).toEqual(readFileSync(hello.path))
    expect(readFileSync(`${got!.path}.hash`, 'utf8')).toBe(`${hello.sha512}  ${hello.fileName}\n`)
    expect(hitsSince(primary, from)).toEqual([`GET /${hello.fileName}`, `GET /${hello.fileName}.hash`, `GET /${hello.fileName}.size`])
    expect(readdirSync(join(cacheDir, '.incoming'))).toEqual([])

    // A second run finds it in the cache and verifies it from the sidecar: no request at all.
    const again = primary.hits.length
    const [cached] = await fetchOne(item(hello, [primary.url]), { cacheDir, net: offline })
    expect(cached).toMatchObject({ source: 'cache', hash: { origin: 'sidecar', hex: hello.sha512 } })
    expect(primary.hits.length).toBe(again)
  })

  test('an index checksum is used without fetching the .hash', async () => {
    const from = primary.hits.length
    const [got] = await fetchOne(item(hello, [primary.url], { expected: { sha512: hello.sha512.toUpperCase() }, hashRequired: true }))
    expect(got!.hash).toMatchObject({ origin: 'index', hex: hello.sha512 })
    expect(hitsSince(primary, from)).toEqual([`GET /${hello.fileName}`])
  })

  test('a pkg-dir hit is used in place and nothing is requested', async () => {
    const pkgDir = makeTempDir('zoi-pkgdir-')
    copyFileSync(hello.path, join(pkgDir, hello.fileName))
    const cacheDir = makeTempDir('zoi-cache-')
    const from = primary.hits.length
    const [got] = await fetchOne(item(hello, [primary.url], { expected: { sha512: hello.sha512 } }), { cacheDir, pkgDirs: [pkgDir] })
    expect(got).toMatchObject({ source: 'pkg-dir', path: join(pkgDir, hello.fileName) })
    expect(primary.hits.length).toBe(from)
    expect(readdirSync(cacheDir)).toEqual([])
  })

  test('a .part left by an earlier run is resumed with an HTTP Range request', async () => {
    const cacheDir = makeTempDir('zoi-cache-')
    mkdirSync(join(cacheDir, '.incoming'))
    writeFileSync(join(cacheDir, '.incoming', `${big.fileName}.part`), readFileSync(big.path).subarray(0, 5000))
    const from = primary.hits.length
    const [got] = await fetchOne(item(big, [primary.url]), { cacheDir })
    expect(hitsSince(primary, from)[0]).toBe(`GET /${big.fileName} bytes=5000-`)
    expect(got!.hash?.hex).toBe(big.sha512)
    expect(existsSync(join(cacheDir, '.incoming', `${big.fileName}.part`))).toBe(false)
  })

  test('a .part that was not a prefix of the file (bad resumed half) is fetched again from zero', async () => {
    const cacheDir = makeTempDir('zoi-cache-')
    mkdirSync(join(cacheDir, '.incoming'))
    writeFileSync(join(cacheDir, '.incoming', `${big.fileName}.part`), noise(5000, 'not the archive'))
    const from = primary.hits.length
    const [got] = await fetchOne(item(big, [primary.url]), { cacheDir })
    expect(hitsSince(primary, from).filter((h) => !h.includes('.hash') && !h.includes('.size'))).toEqual([
      `GET /${big.fileName} bytes=5000-`,
      `GET /${big.fileName}`,
    ])
    expect(got!.hash?.hex).toBe(big.sha512)
  })

  test('a .part longer than the file (HTTP 416) is discarded and the download restarts', async () => {
    const cacheDir = makeTempDir('zoi-cache-')
    mkdirSync(join(cacheDir, '.incoming'))
    writeFileSync(join(cacheDir, '.incoming', `${hello.fileName}.part`), noise(100_000, 'stale'))
    const from = primary.hits.length
    const [got] = await fetchOne(item(hello, [primary.url]), { cacheDir })
    expect(hitsSince(primary, from).slice(0, 2)).toEqual([`GET /${hello.fileName} bytes=100000-`, `GET /${hello.fileName}`])
    expect(got!.hash?.hex).toBe(hello.sha512)
  })

  test('a download dropped part-way resumes in the same run', async () => {
    primary.dropNextAfter(`/${big.fileName}`, 4000)
    const from = primary.hits.length
    const [got] = await fetchOne(item(big, [primary.url]))
    expect(hitsSince(primary, from).slice(0, 2)).toEqual([`GET /${big.fileName}`, `GET /${big.fileName} bytes=4000-`])
    expect(got!.hash?.hex).toBe(big.sha512)
  })
})

describe('fallback to the next candidate', () => {
  test('primary 404 → mirror', async () => {
    const missing = `${primary.url}/nowhere`
    const { report, events } = recordReports()
    const [got] = await fetchOne(item(hello, [missing, mirror.url]), { report })
    expect(got!.url).toBe(`${mirror.url}/${hello.fileName}`)
    expect(events.some((e) => e.kind === 'warn' && e.text.includes('HTTP 404'))).toBe(true)
  })

  test('primary answers the .hash with an HTML page and status 200 → rejected, mirror used', async () => {
    primary.failNext(`/${hello.fileName}.hash`, 200)
    const { report, events } = recordReports()
    const [got] = await fetchOne(item(hello, [primary.url, mirror.url]), { report })
    expect(got!.url).toBe(`${mirror.url}/${hello.fileName}`)
    expect(got!.hash?.hex).toBe(hello.sha512)
    expect(events.some((e) => e.kind === 'warn' && e.text.includes('HTML'))).toBe(true)
  })

  test('primary server stopped → mirror', async () => {
    const gone = await startStaticServer(primaryDir)
    await gone.stop()
    const [got] = await fetchOne(item(hello, [gone.url, mirror.url]))
    expect(got!.url).toBe(`${mirror.url}/${hello.fileName}`)
  })

  test('every candidate failing → NETWORK exit 5 listing each URL and why, credentials redacted', async () => {
    const secretBase = primary.url.replace('http://', 'http://user:s3cret@') + '/nope'
    const e = await rejection(fetchOne(item(hello, [secretBase, `${mirror.url}/nope`])))
    expect(e.code).toBe('NETWORK')
    expect(e.exitCode).toBe(5)
    expect(e.message).toContain(`cannot download ${hello.fileName}: all 2 candidates failed`)
    expect(e.message).toContain(`- http://***@127.0.0.1:${new URL(primary.url).port}/nope/${hello.fileName}: answered HTTP 404`)
    expect(e.message).toContain(`- ${mirror.url}/nope/${hello.fileName}: answered HTTP 404`)
    expect(e.message).not.toContain('s3cret')
  })
})

describe('offline', () => {
  test('a miss fails with exit 5, the exact message, a hint, and no request', async () => {
    const cacheDir = makeTempDir('zoi-cache-')
    const before = primary.hits.length + mirror.hits.length
    const e = await rejection(fetchOne(item(hello, [primary.url, mirror.url]), { cacheDir, net: offline }))
    expect(e.code).toBe('OFFLINE')
    expect(e.exitCode).toBe(5)
    expect(e.message).toBe(`Archive not found in cache and cannot download: offline mode. Missing: ${hello.fileName}`)
    expect(e.hint).toBe(`copy it into ${cacheDir} with 'zoi cache add', or pass --pkg-dir <folder holding it>`)
    expect(primary.hits.length + mirror.hits.length).toBe(before)
  })
})

describe('integrity', () => {
  test('a download with the wrong checksum from every candidate → exit 6, nothing left in the cache', async () => {
    const cacheDir = makeTempDir('zoi-cache-')
    const wrong = 'ab'.repeat(64)
    const e = await rejection(fetchOne(item(hello, [primary.url, mirror.url], { expected: { sha512: wrong } }), { cacheDir }))
    expect(e.code).toBe('INTEGRITY')
    expect(e.exitCode).toBe(6)
    expect(e.message).toContain(`expected sha512 ${wrong}`)
    expect(e.message).toContain(`actual   sha512 ${hello.sha512}`)
    expect(readdirSync(cacheDir).filter((f) => f !== '.incoming')).toEqual([])
    expect(readdirSync(join(cacheDir, '.incoming'))).toEqual([])
  })

  test('a cached archive with the wrong checksum → exit 6 and the cached file removed', async () => {
    const cacheDir = makeTempDir('zoi-cache-')
    const cached = join(cacheDir, hello.fileName)
    copyFileSync(hello.path, cached)
    copyFileSync(`${hello.path}.hash`, `${cached}.hash`)
    const wrong = 'cd'.repeat(64)
    const e = await rejection(fetchOne(item(hello, [primary.url], { expected: { sha512: wrong } }), { cacheDir, net: offline }))
    expect(e.exitCode).toBe(6)
    expect(e.message).toContain(hello.fileName)
    expect(e.message).toContain(wrong)
    expect(e.message).toContain(hello.sha512)
    expect(existsSync(cached)).toBe(false)
    expect(existsSync(`${cached}.hash`)).toBe(false)
  })

  test('hash required but unknown offline → exit 6 with a remedy (not "Unsupported hash length: 0")', async () => {
    const pkgDir = makeTempDir('zoi-pkgdir-')
    copyFileSync(bare.path, join(pkgDir, bare.fileName))
    const e = await rejection(fetchOne(item(bare, [], { hashRequired: true }), { net: offline, pkgDirs: [pkgDir] }))
    expect(e.code).toBe('INTEGRITY')
    expect(e.message).toContain(`no checksum known for ${bare.fileName}`)
    expect(e.hint).toContain(`${bare.fileName}.hash`)
    expect(existsSync(join(pkgDir, bare.fileName))).toBe(true)
  })

  test('hash required, the server has the archive but no .hash → exit 6, nothing cached', async () => {
    const cacheDir = makeTempDir('zoi-cache-')
    const e = await rejection(fetchOne(item(bare, [primary.url], { hashRequired: true }), { cacheDir }))
    expect(e.code).toBe('INTEGRITY')
    expect(e.message).toContain('requires one')
    expect(existsSync(join(cacheDir, bare.fileName))).toBe(false)
  })

  test('no hash known and none required → accepted with a warning', async () => {
    const { report, events } = recordReports()
    const [got] = await fetchOne(item(bare, [primary.url]), { report })
    expect(got!.hash).toBeUndefined()
    expect(events).toContainEqual({ kind: 'warn', text: `no checksum known for ${bare.fileName}; using it unverified`, code: 'UNVERIFIED' })
  })
})

describe('several archives', () => {
  test('5 archives all arrive, with at most `concurrency` downloads in flight', async () => {
    const dir = makeTempDir('zoi-many-')
    const built = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => buildArchive(dir, n, '1.0.0', { sidecars: true })))
    const server = await startStaticServer(dir)
    let inFlight = 0
    let peak = 0
    const counting: Net = {
      ...online,
      async download(url, dest, onBytes) {
        peak = Math.max(peak, ++inFlight)
        try {
          await Bun.sleep(40) // keep each download open long enough to overlap
          return await online.download(url, dest, onBytes)
        } finally {
          inFlight--
        }
      },
    }
    try {
      const cacheDir = makeTempDir('zoi-cache-')
      const got = await fetchArchives(built.map((b) => item(b, [server.url])), { net: counting, cacheDir, pkgDirs: [], report: silent, concurrency: 2 })
      expect(got.map((g) => g.fileName)).toEqual(built.map((b) => b.fileName))
      expect(got.map((g) => g.hash?.hex)).toEqual(built.map((b) => b.sha512))
      expect(peak).toBe(2)
    } finally {
      await server.stop()
    }
  })

  test('the same archive requested twice (split packages share one) is downloaded once', async () => {
    const from = primary.hits.length
    const got = await fetchArchives([item(hello, [primary.url]), item(hello, [primary.url])], {
      net: online, cacheDir: makeTempDir('zoi-cache-'), pkgDirs: [], report: silent,
    })
    expect(got).toHaveLength(2)
    expect(got[0]).toEqual(got[1]!)
    expect(hitsSince(primary, from).filter((h) => h === `GET /${hello.fileName}`)).toHaveLength(1)
  })
})
