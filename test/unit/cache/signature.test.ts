/** Where `<archive>.sig` is looked for and fetched (SPEC §10), with a stand-in policy: no gpg needed. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fetchArchives, type FetchItem, type SignaturePolicy } from '../../../src/cache/index.ts'
import { ZoiError } from '../../../src/errors.ts'
import { createNet } from '../../../src/platform/net.ts'
import { silent } from '../../../src/progress.ts'
import { makeTempDir } from '../../support/run-cli.ts'
import { startStaticServer, type StaticServer } from '../../support/static-server.ts'
import { buildArchive, type BuiltArchive } from './cache-fixtures.ts'

const online = createNet({ offline: false, retries: 0, timeoutMs: 5000 })
const offline = createNet({ offline: true })
const serverDir = makeTempDir('zoi-sig-server-')
const mirrorDir = makeTempDir('zoi-sig-mirror-')
let server: StaticServer
let mirror: StaticServer
let hello: BuiltArchive

/** Accepts exactly the bytes "GOOD"; anything else is a bad signature naming where it was read. */
const policy: SignaturePolicy = {
  trusted: "'alice'",
  async verify(_archive, signature, source) {
    if (new TextDecoder().decode(signature) !== 'GOOD') throw new ZoiError('INTEGRITY', `bad signature ${source}`)
  },
}

beforeAll(async () => {
  hello = await buildArchive(serverDir, 'hello', '1.0.0', { sidecars: true })
  await buildArchive(mirrorDir, 'hello', '1.0.0', { sidecars: true })
  writeFileSync(join(mirrorDir, `${hello.fileName}.sig`), 'GOOD')
  server = await startStaticServer(serverDir)
  mirror = await startStaticServer(mirrorDir)
})
afterAll(async () => {
  await server.stop()
  await mirror.stop()
})

function item(bases: string[], sigUrls?: string[]): FetchItem {
  return {
    fileName: hello.fileName,
    hashRequired: false,
    signature: policy,
    candidates: bases.map((b, i) => ({ url: `${b}/${hello.fileName}`, hashUrl: `${b}/${hello.fileName}.hash`, sigUrl: sigUrls?.[i] ?? `${b}/${hello.fileName}.sig` })),
  }
}

describe('archive signatures', () => {
  test('a .sig beside the archive in a pkg-dir is used and nothing is requested', async () => {
    const pkgDir = makeTempDir('zoi-pkgdir-')
    writeFileSync(join(pkgDir, hello.fileName), readFileSync(hello.path))
    writeFileSync(join(pkgDir, `${hello.fileName}.sig`), 'GOOD')
    const from = server.hits.length
    const [got] = await fetchArchives([item([server.url])], { net: online, cacheDir: makeTempDir('zoi-cache-'), pkgDirs: [pkgDir], report: silent })
    expect(got!.signature).toBe(join(pkgDir, `${hello.fileName}.sig`))
    expect(server.hits.slice(from)).toEqual([])
  })

  test('online, the .sig missing upstream (404) is fetched from the mirror and cached once verified', async () => {
    const cacheDir = makeTempDir('zoi-cache-')
    const [got] = await fetchArchives([item([server.url, mirror.url])], { net: online, cacheDir, pkgDirs: [], report: silent })
    expect(got!.signature).toBe(join(cacheDir, `${hello.fileName}.sig`))
    expect(readFileSync(join(cacheDir, `${hello.fileName}.sig`), 'utf8')).toBe('GOOD')
  })

  test("the link's pgp: URL is where the signature is fetched from", async () => {
    const cacheDir = makeTempDir('zoi-cache-')
    const from = mirror.hits.length
    await fetchArchives([item([server.url], [`${mirror.url}/${hello.fileName}.sig`])], { net: online, cacheDir, pkgDirs: [], report: silent })
    expect(mirror.hits.slice(from)).toEqual([`GET /${hello.fileName}.sig`])
  })

  test('a bad downloaded signature is refused (exit 6) and not kept', async () => {
    const dir = makeTempDir('zoi-sig-bad-')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `${hello.fileName}.sig`), 'EVIL')
    const bad = await startStaticServer(dir)
    const cacheDir = makeTempDir('zoi-cache-')
    try {
      const e = await fetchArchives([item([server.url], [`${bad.url}/${hello.fileName}.sig`])], { net: online, cacheDir, pkgDirs: [], report: silent }).catch((e) => e)
      expect(e).toBeInstanceOf(ZoiError)
      expect(e.exitCode).toBe(6)
      expect(existsSync(join(cacheDir, `${hello.fileName}.sig`))).toBe(false)
    } finally {
      await bad.stop()
    }
  })

  test('offline with no .sig anywhere: exit 6 saying where it looked and where it would fetch it', async () => {
    const pkgDir = makeTempDir('zoi-pkgdir-')
    writeFileSync(join(pkgDir, hello.fileName), readFileSync(hello.path))
    const cacheDir = makeTempDir('zoi-cache-')
    const e = await fetchArchives([item([server.url])], { net: offline, cacheDir, pkgDirs: [pkgDir], report: silent }).catch((e) => e)
    expect(e.exitCode).toBe(6)
    expect(e.message).toContain(join(pkgDir, `${hello.fileName}.sig`))
    expect(e.message).toContain(join(cacheDir, `${hello.fileName}.sig`))
    expect(e.hint).toContain(`${server.url}/${hello.fileName}.sig`)
  })
})
