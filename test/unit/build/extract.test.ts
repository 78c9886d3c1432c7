// UTILS.EXTRACT and UTILS.FILE: local archives made in the test (system tar/zstd, a zip written
// here), hostile archives, unsupported formats, and URLs through the Net, offline and online.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32, deflateRawSync, gzipSync } from 'node:zlib'
import { listArchive } from '../../../src/archive/index.ts'
import { createNet } from '../../../src/platform/net.ts'
import { makeTar } from '../../support/make-archive.ts'
import { failure, filesIn, fixture, packageWith, removeScratch, scratch } from './build-harness.ts'

afterEach(removeScratch)

/** A folder `src-1.0/` with two files, packed by the system tar. */
function systemTar(): Buffer {
  const dir = scratch()
  mkdirSync(join(dir, 'src-1.0/bin'), { recursive: true })
  writeFileSync(join(dir, 'src-1.0/README'), 'read me\n')
  writeFileSync(join(dir, 'src-1.0/bin/tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 })
  execFileSync('tar', ['-cf', join(dir, 'src.tar'), '-C', dir, 'src-1.0'])
  return readFileSync(join(dir, 'src.tar'))
}

function systemTarZst(): Buffer {
  const dir = scratch()
  writeFileSync(join(dir, 'src.tar'), systemTar())
  execFileSync('zstd', ['-q', join(dir, 'src.tar'), '-o', join(dir, 'src.tar.zst')])
  return readFileSync(join(dir, 'src.tar.zst'))
}

/** A minimal zip (deflated members, Unix modes) written by hand, as the format describes it. */
function makeZip(files: Record<string, { text: string; mode?: number }>): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const [name, { text, mode = 0o644 }] of Object.entries(files)) {
    const data = Buffer.from(text)
    const packed = deflateRawSync(data)
    const nameBytes = Buffer.from(name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(8, 8)
    local.writeUInt32LE(crc32(data), 14); local.writeUInt32LE(packed.length, 18); local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE((3 << 8) | 20, 4); central.writeUInt16LE(20, 6)
    central.writeUInt16LE(8, 10); central.writeUInt32LE(crc32(data), 16); central.writeUInt32LE(packed.length, 20)
    central.writeUInt32LE(data.length, 24); central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38); central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, packed)
    centrals.push(central, nameBytes)
    offset += 30 + nameBytes.length + packed.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(Object.keys(files).length, 8); end.writeUInt16LE(Object.keys(files).length, 10)
  end.writeUInt32LE(directory.length, 12); end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

function systemTarXz(): Buffer {
  const dir = scratch()
  writeFileSync(join(dir, 'src.tar'), systemTar())
  execFileSync('xz', ['-q', join(dir, 'src.tar')])
  return readFileSync(join(dir, 'src.tar.xz'))
}

/** package() extracts `source` and stages the tree, so the archive's file list shows what came out. */
const STAGE_EXTRACTED = `local out = UTILS.EXTRACT(SOURCE, "unpacked")
  assert(out == BUILD_DIR .. "/unpacked", out)
  zcp("unpacked", "\${pkgstore}/src")`

describe('UTILS.EXTRACT of local files', () => {
  const cases: Array<[string, () => Buffer]> = [
    ['src.tar.gz', () => gzipSync(systemTar())],
    ['src.tgz', () => gzipSync(systemTar())],
    ['src.tar.zst', systemTarZst],
    ['src.tar.xz', systemTarXz],
    ['src.tar', systemTar],
    ['download-without-extension', () => gzipSync(systemTar())],
  ]
  for (const [name, make] of cases) {
    test(`${name} made by the system tar is unpacked, modes kept`, async () => {
      const f = fixture(packageWith(STAGE_EXTRACTED, `SOURCE = "\${pkgluadir}/${name}"`))
      writeFileSync(join(f.dir, 'pkg/demo', name), make())
      const [built] = await f.build()
      expect(built?.files).toEqual(['data/pkgstore/src/src-1.0/README', 'data/pkgstore/src/src-1.0/bin/tool'])
      const tool = (await listArchive(built!.path)).find((e) => e.path.endsWith('bin/tool'))
      expect(tool?.mode).toBe(0o755)
    })
  }

  test('a .zip is unpacked without any system tool, with its Unix modes', async () => {
    const f = fixture(packageWith(`${STAGE_EXTRACTED}\n  zcp("unpacked/app/run", "\${pkgstore}/bin/run")`, 'SOURCE = "${pkgluadir}/app.zip"'))
    writeFileSync(join(f.dir, 'pkg/demo/app.zip'), makeZip({ 'app/run': { text: 'run', mode: 0o755 }, 'app/notes.txt': { text: 'n' } }))
    const [built] = await f.build()
    expect(built?.files).toEqual(['data/pkgstore/bin/run', 'data/pkgstore/src/app/notes.txt', 'data/pkgstore/src/app/run'])
  })

  test('a plain file is copied into the folder as it is', async () => {
    const f = fixture(packageWith(STAGE_EXTRACTED, 'SOURCE = "${pkgluadir}/tool.bin"'), { 'tool.bin': 'binary' })
    expect((await f.build())[0]?.files).toEqual(['data/pkgstore/src/tool.bin'])
  })

  test('a .tar.bz2 is refused as not supported yet, with a hint', async () => {
    const f = fixture(packageWith(STAGE_EXTRACTED, 'SOURCE = "${pkgluadir}/src.tar.bz2"'))
    writeFileSync(join(f.dir, 'pkg/demo/src.tar.bz2'), Buffer.from('BZh91AY&SY'))
    const error = await failure(f.build())
    expect(error.message).toBe(`${f.definition}:4: UTILS.EXTRACT: src.tar.bz2 is a bzip2 file; zoi cannot unpack bzip2 yet`)
    expect(error.hint).toContain('cmd(')
  })

  test('a corrupt .xz is an integrity error naming the file', async () => {
    const f = fixture(packageWith(STAGE_EXTRACTED, 'SOURCE = "${pkgluadir}/src.tar.xz"'))
    writeFileSync(join(f.dir, 'pkg/demo/src.tar.xz'), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0, 1, 2, 3]))
    const error = await failure(f.build())
    expect(error.code).toBe('INTEGRITY')
    expect(error.message).toContain('cannot unpack src.tar.xz')
  })

  test('a source tarball with ../ entries is refused before anything is written (path traversal)', async () => {
    const f = fixture(packageWith(STAGE_EXTRACTED, 'SOURCE = "${pkgluadir}/evil.tar.gz"'))
    const tar = await makeTar([{ name: 'ok.txt', content: 'ok' }, { name: '../../../../tmp/zoi-pwned-by-tar', content: 'x' }])
    writeFileSync(join(f.dir, 'pkg/demo/evil.tar.gz'), gzipSync(tar))
    const error = await failure(f.build())
    expect(error.code).toBe('UNSAFE_PATH')
    expect(error.message).toContain("contains a '..' segment")
    expect(filesIn('/tmp').includes('zoi-pwned-by-tar')).toBe(false)
  })

  test('a source tarball that writes through its own symlink is refused', async () => {
    const f = fixture(packageWith(STAGE_EXTRACTED, 'SOURCE = "${pkgluadir}/evil.tar.gz"'))
    const tar = await makeTar([{ name: 'link', type: 'symlink', linkname: '/tmp' }, { name: 'link/zoi-pwned', content: 'x' }])
    writeFileSync(join(f.dir, 'pkg/demo/evil.tar.gz'), gzipSync(tar))
    expect((await failure(f.build())).code).toBe('UNSAFE_PATH')
  })

  test('the output folder must be a sub-folder of BUILD_DIR', async () => {
    const f = fixture(packageWith('UTILS.EXTRACT("${pkgluadir}/x", "${pkgstore}")'), { x: 'x' })
    expect((await failure(f.build())).message).toContain("output folder '${pkgstore}' must be a sub-folder of BUILD_DIR")
    const g = fixture(packageWith('UTILS.EXTRACT("${pkgluadir}/x", "../up")'), { x: 'x' })
    expect((await failure(g.build())).code).toBe('UNSAFE_PATH')
  })
})

describe('UTILS.EXTRACT and UTILS.FILE of URLs', () => {
  let server: ReturnType<typeof Bun.serve>
  let tarGz: Buffer
  beforeAll(() => {
    tarGz = gzipSync(systemTar())
    server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch(req) {
        const path = new URL(req.url).pathname
        if (path === '/dl/src-1.0.tar.gz') return new Response(tarGz)
        if (path === '/notes.txt') return new Response('remote notes\n')
        return new Response('<html>not found</html>', { status: 404 })
      },
    })
  })
  afterAll(() => server.stop(true))
  const base = () => `http://127.0.0.1:${server.port}`

  test('offline, a URL fails cleanly with exit 5 naming the URL, and nothing is built', async () => {
    const f = fixture(packageWith(STAGE_EXTRACTED, 'SOURCE = "http://127.0.0.1:9/src.tar.gz"'))
    const error = await failure(f.build())
    expect(error.code).toBe('OFFLINE')
    expect(error.exitCode).toBe(5)
    expect(error.message).toBe(`${f.definition}:4: source not in the source cache and cannot download: offline mode. Missing: http://127.0.0.1:9/src.tar.gz`)
    expect(filesIn(f.out)).toEqual([])
  })

  test('online, the archive is downloaded into BUILD_DIR and unpacked', async () => {
    const f = fixture(packageWith(`${STAGE_EXTRACTED}
  assert(UTILS.FS.exists("src-1.0.tar.gz"))
  UTILS.FILE("${base()}/notes.txt", "\${pkgstore}/notes.txt")
  assert(UTILS.FETCH.url("${base()}/notes.txt") == "remote notes\\n")`, `SOURCE = "${base()}/dl/src-1.0.tar.gz"`))
    const [built] = await f.build({ net: createNet({ offline: false, retries: 0 }) })
    expect(built?.files).toEqual(['data/pkgstore/notes.txt', 'data/pkgstore/src/src-1.0/README', 'data/pkgstore/src/src-1.0/bin/tool'])
  })

  test('a source verifyHash refuses is dropped from the source cache, so a bad download is not served again', async () => {
    const cacheDir = join(scratch(), 'sources')
    const lua = packageWith(`UTILS.FILE("${base()}/notes.txt", "notes.txt")
  assert(verifyHash("notes.txt", "sha256-${'0'.repeat(64)}") == false)`)
    await fixture(lua).build({ net: createNet({ offline: false, retries: 0 }), sourceCache: { dir: cacheDir, mirrors: [] } })
    expect(JSON.parse(readFileSync(join(cacheDir, 'index.json'), 'utf8')).urls).toEqual({})
  })

  test('UTILS.DOWNLOAD saves into BUILD_DIR through the cache and checks its hash; offline it is served from the cache', async () => {
    const cacheDir = join(scratch(), 'sources')
    const sum = createHash('sha256').update('remote notes\n').digest('hex')
    const lua = packageWith(`local p = UTILS.DOWNLOAD("${base()}/notes.txt", "n.txt", "sha256-${sum}")
  zcp("n.txt", "\${pkgstore}/n.txt")`)
    const [online] = await fixture(lua).build({ net: createNet({ offline: false, retries: 0 }), sourceCache: { dir: cacheDir, mirrors: [] } })
    expect(online?.files).toEqual(['data/pkgstore/n.txt'])
    const [offline] = await fixture(lua).build({ sourceCache: { dir: cacheDir, mirrors: [] } })
    expect(offline?.sha512).toBe(online!.sha512)
    const bad = packageWith(`UTILS.DOWNLOAD("${base()}/notes.txt", "n.txt", "sha256-${'1'.repeat(64)}")`)
    expect((await failure(fixture(bad).build({ sourceCache: { dir: cacheDir, mirrors: [] } }))).exitCode).toBe(6)
  })

  test('an HTTP error is a NETWORK error (exit 5) naming the URL', async () => {
    const f = fixture(packageWith(STAGE_EXTRACTED, `SOURCE = "${base()}/missing.tar.gz"`))
    const error = await failure(f.build({ net: createNet({ offline: false, retries: 0 }) }))
    expect(error.code).toBe('NETWORK')
    expect(error.message).toBe(`${f.definition}:4: ${base()}/missing.tar.gz answered HTTP 404 Not Found`)
  })
})
