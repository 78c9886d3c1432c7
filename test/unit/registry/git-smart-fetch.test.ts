/**
 * zoi's smart-HTTP client, protocol v1: the ref advertisement, the upload-pack request it sends,
 * and the answer read as a stream (side-band demux, shallow lines, progress, the server's own
 * errors, a response cut short) — against hand-made answers, and against real git upload-pack.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { createNet, type Net, type RawRequest } from '../../../src/platform/net.ts'
import type { ProgressEvent } from '../../../src/progress.ts'
import { syncClone } from '../../../src/registry/git.ts'
import { pktLine, FLUSH, sideBand } from '../../../src/registry/git-pkt-line.ts'
import { fetchPack } from '../../../src/registry/git-smart-fetch.ts'
import { discoverRefs } from '../../../src/registry/git-smart-refs.ts'
import { zoiFailure } from '../../support/expect-error.ts'
import { startGitServer, type GitServer } from '../../support/git-server.ts'
import { makeGitRepo, makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const CAPS = 'multi_ack_detailed side-band-64k ofs-delta shallow thin-pack symref=HEAD:refs/heads/trunk agent=git/2.43'
const ADVERTISEMENT = Buffer.concat([
  pktLine('# service=git-upload-pack\n'), FLUSH,
  pktLine(`${A} HEAD\0${CAPS}\n`), pktLine(`${A} refs/heads/trunk\n`), pktLine(`${B} refs/tags/v1\n`), pktLine(`${A} refs/tags/v1^{}\n`), FLUSH,
])

/** A Net answering GET info/refs with `refs` and the POST with `upload`; requests are recorded. */
function fakeNet(refs: Uint8Array, upload: Uint8Array[] = [], status = 200): Net & { seen: RawRequest[] } {
  const seen: RawRequest[] = []
  return {
    seen,
    offline: false,
    trust: () => {},
    getText: () => Promise.reject(new Error('not used')),
    download: () => Promise.reject(new Error('not used')),
    async request(req: RawRequest) {
      seen.push(req)
      const body = req.method === 'POST' ? upload : [refs]
      return { url: req.url, status, statusText: status === 200 ? 'OK' : 'Not Found', headers: {}, body: (async function* () { yield* body })() }
    },
  } as unknown as Net & { seen: RawRequest[] }
}

/** A one-blob pack, its checksum in the name git would give it. */
function blobPack(content: string): { pack: Buffer; blob: string } {
  const data = Buffer.from(content)
  if (data.length >= 16) throw new Error('keep the blob under 16 bytes') // a one-byte object header
  const body = Buffer.concat([Buffer.from('PACK\0\0\0\x02\0\0\0\x01', 'latin1'), Buffer.from([0x30 | data.length]), deflateSync(data)])
  const pack = Buffer.concat([body, new Bun.CryptoHasher('sha1').update(body).digest()])
  const blob = new Bun.CryptoHasher('sha1').update(`blob ${data.length}\0`).update(data).digest('hex')
  return { pack, blob }
}

async function gitdir(): Promise<string> {
  const work = await makeTempDir()
  await runGit(work, ['init', '-q'])
  return join(work, '.git')
}

describe('ref discovery', () => {
  test('refs, the branch HEAD names and the capabilities; credentials become an Authorization header', async () => {
    const net = fakeNet(ADVERTISEMENT)
    const ad = await discoverRefs(net, 'http://alice:s%40cret@host.test/reg.git/')
    expect(ad).toMatchObject({ base: 'http://host.test/reg.git', head: A, branch: 'refs/heads/trunk' })
    expect(ad.refs.get('refs/tags/v1')).toBe(B)
    expect(ad.capabilities.has('side-band-64k')).toBe(true)
    expect(net.seen[0]!.url).toBe('http://host.test/reg.git/info/refs?service=git-upload-pack')
    expect(net.seen[0]!.headers!.authorization).toBe(`Basic ${Buffer.from('alice:s@cret').toString('base64')}`)
  })

  test('a repository without commits advertises no HEAD', async () => {
    const empty = Buffer.concat([pktLine('# service=git-upload-pack\n'), FLUSH, pktLine(`${'0'.repeat(40)} capabilities^{}\0${CAPS}\n`), FLUSH])
    expect((await discoverRefs(fakeNet(empty), 'http://host.test/r')).head).toBeUndefined()
  })

  test('a static file or a 404 may be a dumb-HTTP host; an ERR line is the server refusing', async () => {
    const plain = await zoiFailure(discoverRefs(fakeNet(Buffer.from(`${A}\trefs/heads/main\n`)), 'http://host.test/r'))
    expect(plain).toMatchObject({ code: 'NETWORK', data: { mayBeDumb: true } })
    const missing = await zoiFailure(discoverRefs(fakeNet(Buffer.from('no'), [], 404), 'http://host.test/r'))
    expect(missing).toMatchObject({ code: 'NOT_FOUND', data: { mayBeDumb: true } })
    const refused = await zoiFailure(discoverRefs(fakeNet(Buffer.concat([pktLine('# service=git-upload-pack\n'), FLUSH, pktLine('ERR access denied: repository disabled\n')])), 'http://host.test/r'))
    expect(refused.code).toBe('NETWORK')
    expect(refused.message).toContain('access denied: repository disabled')
  })
})

describe('fetchPack', () => {
  const ad = async (net: Net) => await discoverRefs(net, 'http://u:pw@host.test/r')

  test('sends want/deepen/have/done without thin-pack; demuxes shallow lines, progress and the pack', async () => {
    const { pack, blob } = blobPack('hello\n')
    const answer = [
      pktLine(`shallow ${A}\n`), FLUSH, pktLine('NAK\n'),
      pktLine(Buffer.concat([Buffer.from([2]), Buffer.from('Counting objects:  50% (1/2)\rCounting objects: 100% (2/2), done.\n')])),
      ...sideBand(pack.subarray(0, 10), 1, true), ...sideBand(pack.subarray(10), 1, true), FLUSH,
    ]
    const net = fakeNet(ADVERTISEMENT, answer)
    const dir = await gitdir()
    const events: ProgressEvent[] = []
    await fetchPack({ net, url: 'http://u:pw@host.test/r', ad: await ad(net), gitdir: dir, want: A, have: B, depth: 1, report: (e) => events.push(e) })

    const post = net.seen[1]!
    expect(post.url).toBe('http://host.test/r/git-upload-pack')
    expect(post.headers!.authorization).toStartWith('Basic ')
    const request = Buffer.from(post.body as Uint8Array).toString()
    expect(request).toContain(`want ${A} side-band-64k ofs-delta agent=`)
    expect(request).not.toContain('thin-pack')
    expect(request).toContain('deepen 1\n0000')
    expect(request).toEndWith(`have ${B}\n0009done\n`)

    expect(readFileSync(join(dir, 'shallow'), 'utf8')).toBe(`${A}\n`)
    const checksum = pack.subarray(-20).toString('hex')
    expect(readdirSync(join(dir, 'objects', 'pack')).sort()).toEqual([`pack-${checksum}.idx`, `pack-${checksum}.pack`])
    expect(await runGit(dir, ['cat-file', '-p', blob])).toBe('hello')
    expect(events).toContainEqual({ kind: 'advance', phase: 'sync', loaded: 2, total: 2, item: 'Counting objects', unit: 'objects' })
  })

  test.each([
    ['an error on side band 3', [pktLine('NAK\n'), pktLine(Buffer.concat([Buffer.from([3]), Buffer.from('upload-pack: not our ref\nmore\n')]))], /refused the fetch: upload-pack: not our ref$/],
    ['an ERR line', [pktLine('ERR upload-pack: not our ref\n')], /refused the fetch: upload-pack: not our ref$/],
    ['a response cut inside the pack (no closing flush)', [pktLine('NAK\n'), ...sideBand(blobPack('x').pack, 1, true)], /incomplete .*stops after/],
    ['a response cut inside a packet', [pktLine('NAK\n'), pktLine(Buffer.from('\x01PACKxxxxxx', 'latin1')).subarray(0, 8)], /incomplete .*inside a packet/],
    ['a response without a pack', [pktLine('NAK\n'), FLUSH], /incomplete .*no pack/],
  ])('%s is one NETWORK error line, and nothing is left in objects/pack', async (_name, answer, message) => {
    const net = fakeNet(ADVERTISEMENT, answer as Uint8Array[])
    const dir = await gitdir()
    const err = await zoiFailure(fetchPack({ net, url: 'http://u:pw@host.test/r', ad: await ad(net), gitdir: dir, want: A, depth: 1 }))
    expect(err.code).toBe('NETWORK')
    expect(err.message).toMatch(message)
    expect(err.message).toContain('http://***@host.test/r')
    expect(readdirSync(join(dir, 'objects', 'pack'))).toEqual([])
    expect(existsSync(join(dir, 'shallow'))).toBe(false)
  })
})

describe('against git upload-pack', () => {
  let server: GitServer
  let root: string
  beforeAll(async () => {
    root = await makeTempDir('zoi-served-')
    server = startGitServer(root)
  })
  afterAll(async () => await server.stop())

  test("the received pack is what git would index: the idx equals git index-pack's and fsck is clean", async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 200; i++) files[`core/p${i}/p${i}.pkg.lua`] = `metadata({ name = "p${i}", version = "1.0.${i % 7}", description = "package number ${i}" })\n`
    const upstream = await makeGitRepo(files)
    await runGit(root, ['clone', '-q', upstream, basename(upstream)])
    const dir = join(await makeTempDir(), 'clone')
    await syncClone({ url: `${server.url}/${basename(upstream)}`, dir, net: createNet({ offline: false, retries: 0 }) })
    const packDir = join(dir, '.git', 'objects', 'pack')
    const [pack] = readdirSync(packDir).filter((f) => f.endsWith('.pack'))
    await runGit(dir, ['index-pack', '-o', join(dir, '..', 'git.idx'), join(packDir, pack!)])
    expect(readFileSync(join(packDir, pack!.replace(/\.pack$/, '.idx'))).equals(readFileSync(join(dir, '..', 'git.idx')))).toBe(true)
    await runGit(dir, ['fsck', '--full', '--no-dangling'])
    expect(await runGit(dir, ['rev-parse', 'refs/remotes/origin/HEAD'])).toBe(await runGit(upstream, ['rev-parse', 'HEAD']))
  })
})
