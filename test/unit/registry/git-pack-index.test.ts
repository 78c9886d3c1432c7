/**
 * zoi's pack indexer against git's: for packs written by real git (ofs-deltas and ref-deltas,
 * long delta chains) the `.idx` is byte-identical to `git index-pack`'s, and a damaged pack is an
 * INTEGRITY error naming its source, never a stack trace.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { indexPack } from '../../../src/registry/git-pack-index.ts'
import { zoiFailure } from '../../support/expect-error.ts'
import { commitChanges, makeGitRepo, makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

let repo: string
let work: string

/** `git pack-objects` of the whole history into `work/<name>-<sha>.pack`; returns the pack path. */
async function gitPack(name: string, flags: string[]): Promise<string> {
  const proc = Bun.spawn(['git', 'pack-objects', '--revs', '-q', ...flags, join(work, name)], { cwd: repo, stdin: new Blob(['HEAD\n']), stdout: 'pipe' })
  const sha = (await new Response(proc.stdout).text()).trim()
  expect(await proc.exited).toBe(0)
  return join(work, `${name}-${sha}.pack`)
}

/** Our idx and git's for a copy of `pack`. */
async function bothIndexes(pack: string, cacheBytes?: number): Promise<{ ours: Buffer; git: Buffer; objects: number }> {
  const copy = join(await makeTempDir(), 'pack-x.pack')
  copyFileSync(pack, copy)
  const { objects } = indexPack(copy, 'http://registry.test/r', { cacheBytes })
  await runGit(work, ['index-pack', '-o', join(work, 'git.idx'), copy])
  return { ours: readFileSync(copy.replace(/\.pack$/, '.idx')), git: readFileSync(join(work, 'git.idx')), objects }
}

const deltaTypes = async (pack: string) => (await runGit(work, ['verify-pack', '-v', pack])).split('\n').filter((l) => /chain length = \d+/.test(l))

beforeAll(async () => {
  // Files that change a little in every commit: git stores most versions as deltas, some in long chains.
  const files: Record<string, string> = {}
  const body = (i: number, v: number) => Array.from({ length: 40 }, (_, l) => `line ${l} of p${i} ${l % 7 === v % 7 ? `v${v}` : ''}`).join('\n') + '\n'
  for (let i = 0; i < 30; i++) files[`core/p${i}/p${i}.pkg.lua`] = body(i, 0)
  repo = await makeGitRepo(files)
  for (let v = 1; v <= 24; v++) {
    // One file changes in every commit (a long chain), the others now and then.
    const changed: Record<string, string> = { 'core/long/long.pkg.lua': body(99, 0) + `version ${v}\n`.repeat(v) }
    if (v % 3 === 0) for (let i = 0; i < 30; i += 1 + (v % 2)) changed[`core/p${i}/p${i}.pkg.lua`] = body(i, v)
    await commitChanges(repo, changed)
  }
  work = await makeTempDir()
})

describe('indexPack', () => {
  test.each([
    ['ofs-deltas (--delta-base-offset)', ['--delta-base-offset']],
    ['ref-deltas', []],
    ['long chains (--depth 200)', ['--delta-base-offset', '--depth=200', '--window=50']],
  ])('a pack of %s gets the idx git index-pack writes, byte for byte', async (_name, flags) => {
    const pack = await gitPack(_name.replace(/\W+/g, ''), flags)
    const chains = await deltaTypes(pack)
    expect(chains.length).toBeGreaterThan(0) // the pack really holds deltas
    if (flags.includes('--depth=200')) expect(Math.max(...chains.map((l) => Number(/= (\d+)/.exec(l)![1])))).toBeGreaterThan(5)
    const { ours, git, objects } = await bothIndexes(pack)
    expect(objects).toBeGreaterThan(100)
    expect(ours.equals(git)).toBe(true)
  })

  test('small packs (a comparator sort of the ids) and packs of over 1,024 objects (a bucket sort) both get git\'s idx', async () => {
    const many: Record<string, string> = {}
    for (let i = 0; i < 1100; i++) many[`core/q${i}/q${i}.pkg.lua`] = `return ${i}\n`
    const big = await makeGitRepo(many)
    const proc = Bun.spawn(['git', 'pack-objects', '--revs', '-q', join(work, 'many')], { cwd: big, stdin: new Blob(['HEAD\n']), stdout: 'pipe' })
    const sha = (await new Response(proc.stdout).text()).trim()
    expect(await proc.exited).toBe(0)
    const large = await bothIndexes(join(work, `many-${sha}.pack`))
    expect(large.objects).toBeGreaterThan(1024)
    expect(large.ours.equals(large.git)).toBe(true)
    const small = await bothIndexes(await gitPack('small', ['--delta-base-offset']))
    expect(small.objects).toBeLessThanOrEqual(1024)
    expect(small.ours.equals(small.git)).toBe(true)
  })

  test('reports the size of the largest blob, deltas included, as git counts it', async () => {
    const pack = await gitPack('largest', ['--delta-base-offset'])
    const copy = join(await makeTempDir(), 'pack-y.pack')
    copyFileSync(pack, copy)
    const { largestBlob } = indexPack(copy, 'test')
    const sizes = (await runGit(work, ['verify-pack', '-v', pack])).split('\n').flatMap((l) => {
      const m = /^[0-9a-f]{40} blob +(\d+) /.exec(l)
      return m ? [Number(m[1])] : []
    })
    expect(largestBlob).toBe(Math.max(...sizes))
    expect(largestBlob).toBeGreaterThan(0)
  })

  test('keepBlobs hands back whole blobs, each the content of its id, up to the bytes allowed (a new clone writes them without inflating again)', async () => {
    const pack = await gitPack('keep', ['--delta-base-offset', '--depth=200', '--window=50'])
    const blobIds = (await runGit(work, ['verify-pack', '-v', pack])).split('\n').flatMap((l) => /^([0-9a-f]{40}) blob /.exec(l)?.[1] ?? [])
    const indexed = (keepBlobs?: number) => {
      const copy = join(work, `pack-keep-${keepBlobs}.pack`)
      copyFileSync(pack, copy)
      return indexPack(copy, 'test', { keepBlobs }).blobs
    }
    const every = indexed(2 ** 30)
    expect([...every.keys()].sort()).toEqual(blobIds.sort())
    for (const [oid, body] of every) {
      expect(new Bun.CryptoHasher('sha1').update(`blob ${body.length}\0`).update(body).digest('hex')).toBe(oid)
    }
    const all = [...every.values()].reduce((a, b) => a + b.length, 0)
    const some = indexed(Math.floor(all / 2))
    expect(some.size).toBeGreaterThan(0)
    expect(some.size).toBeLessThan(every.size)
    expect([...some.values()].reduce((a, b) => a + b.length, 0)).toBeLessThanOrEqual(Math.floor(all / 2))
    for (const [oid, body] of some) expect(body).toEqual(every.get(oid)!)
    expect(indexed().size).toBe(0) // nothing asked, nothing kept
  })

  test('with no cache, every delta base is rebuilt from the pack: the same idx', async () => {
    const pack = await gitPack('nocache', ['--delta-base-offset', '--depth=200', '--window=50'])
    const { ours, git } = await bothIndexes(pack, 0)
    expect(ours.equals(git)).toBe(true)
  })

  test('a ref-delta that comes before its base resolves once the base is read', async () => {
    const base = Buffer.from('hello, world\n'.repeat(20))
    // Delta: base size, result size, copy the whole base, then insert "!\n".
    const delta = Buffer.from([...varint(base.length), ...varint(base.length + 2), 0xb0, base.length & 0xff, base.length >> 8, 2, 0x21, 0x0a])
    const baseOid = new Bun.CryptoHasher('sha1').update(`blob ${base.length}\0`).update(base).digest()
    const pack = handPack([
      Buffer.concat([objHeader(7, delta.length), baseOid, deflateSync(delta)]),
      Buffer.concat([objHeader(3, base.length), deflateSync(base)]),
    ])
    const file = join(await makeTempDir(), 'pack-x.pack')
    writeFileSync(file, pack)
    const { ours, git } = await bothIndexes(file)
    expect(ours.equals(git)).toBe(true)
  })
})

describe('a damaged pack is an INTEGRITY error naming where it came from', () => {
  const cases: [string, (pack: Buffer) => Buffer][] = [
    ['a flipped byte', (p) => Buffer.concat([p.subarray(0, 200), Buffer.from([p[200]! ^ 0xff]), p.subarray(201)])],
    ['truncated', (p) => p.subarray(0, p.length - 300)],
    ['truncated to its header', (p) => p.subarray(0, 12)],
    ['not a pack', () => Buffer.from('<html>not found</html>')],
    ['a damaged object (checksum recomputed)', (p) => reseal(Buffer.concat([p.subarray(0, 300), Buffer.from([p[300]! ^ 0x5a]), p.subarray(301, p.length - 20)]))],
    ['a wrong object count (checksum recomputed)', (p) => reseal(Buffer.concat([p.subarray(0, 8), Buffer.from([0, 0, 0x10, 0]), p.subarray(12, p.length - 20)]))],
  ]
  test.each(cases)('%s', async (_name, damage) => {
    const file = join(await makeTempDir(), 'pack-x.pack')
    writeFileSync(file, damage(readFileSync(await gitPack('damage', ['--delta-base-offset']))))
    const err = await zoiFailure(Promise.resolve().then(() => indexPack(file, 'http://registry.test/r')))
    expect(err.code).toBe('INTEGRITY')
    expect(err.exitCode).toBe(6)
    expect(err.message).toContain('http://registry.test/r')
    expect(err.message).not.toContain('\n')
  })

  test('a ref-delta whose base is not in the pack (a thin pack) names the missing object', async () => {
    const missing = 'ab'.repeat(20)
    const delta = Buffer.from([1, 1, 0x91, 0, 1])
    const file = join(await makeTempDir(), 'pack-x.pack')
    writeFileSync(file, handPack([Buffer.concat([objHeader(7, delta.length), Buffer.from(missing, 'hex'), deflateSync(delta)])]))
    const err = await zoiFailure(Promise.resolve().then(() => indexPack(file, 'http://registry.test/r')))
    expect(err.code).toBe('INTEGRITY')
    expect(err.message).toContain(missing)
  })

  test('ref-deltas naming each other end in an error, not a hang or a stack overflow', async () => {
    const delta = Buffer.from([1, 1, 0x91, 0, 1])
    const [a, b] = ['aa'.repeat(20), 'bb'.repeat(20)]
    const file = join(await makeTempDir(), 'pack-x.pack')
    writeFileSync(file, handPack([a, b].map((base) => Buffer.concat([objHeader(7, delta.length), Buffer.from(base, 'hex'), deflateSync(delta)]))))
    const err = await zoiFailure(Promise.resolve().then(() => indexPack(file, 'http://registry.test/r')))
    expect(err.code).toBe('INTEGRITY')
  })
})

function varint(n: number): number[] {
  const out: number[] = []
  do {
    out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0))
    n >>>= 7
  } while (n > 0)
  return out
}

function objHeader(type: number, size: number): Buffer {
  const out = [(type << 4) | (size & 0x0f) | (size >= 16 ? 0x80 : 0)]
  for (let rest = size >>> 4; rest > 0; rest >>>= 7) out.push((rest & 0x7f) | (rest >= 0x80 ? 0x80 : 0))
  return Buffer.from(out)
}

/** A version-2 pack of the given encoded objects, with its checksum. */
function handPack(objects: Buffer[]): Buffer {
  const header = Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 0])
  header.writeUInt32BE(objects.length, 8)
  return reseal(Buffer.concat([header, ...objects]))
}

/** Appends a correct trailing checksum to pack bytes without one. */
function reseal(body: Buffer): Buffer {
  return Buffer.concat([body, new Bun.CryptoHasher('sha1').update(body).digest()])
}
