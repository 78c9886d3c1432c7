import { afterAll, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { ObjectStore } from '../../../src/registry/git-objects.ts'
import { makeTempDir, removeTempDirs } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

/** A version-2 pack and index holding ref-deltas, each `[oid, base oid]`. */
async function deltaPack(objects: [string, string][]): Promise<string> {
  const oids = objects.map(([oid]) => oid)
  const gitdir = join(await makeTempDir(), '.git')
  mkdirSync(join(gitdir, 'objects', 'pack'), { recursive: true })
  const delta = deflateSync(Buffer.from([1, 1, 0x91, 0, 1])) // base size 1, result 1, copy 1 byte
  const parts: Buffer[] = [Buffer.from('PACK'), Buffer.from([0, 0, 0, 2]), Buffer.alloc(4)]
  parts[2]!.writeUInt32BE(oids.length)
  const offsets: number[] = []
  let at = 12
  oids.forEach((_, i) => {
    offsets.push(at)
    const entry = Buffer.concat([Buffer.from([0x70 | 5]), Buffer.from(objects[i]![1], 'hex'), delta]) // type 7, delta size 5
    parts.push(entry)
    at += entry.length
  })
  parts.push(Buffer.alloc(20))
  writeFileSync(join(gitdir, 'objects', 'pack', 'pack-x.pack'), Buffer.concat(parts))
  const sorted = oids.map((oid, i) => ({ oid, offset: offsets[i]! })).sort((a, b) => a.oid.localeCompare(b.oid))
  const fanout = Buffer.alloc(256 * 4)
  for (let b = 0; b < 256; b++) fanout.writeUInt32BE(sorted.filter((o) => parseInt(o.oid.slice(0, 2), 16) <= b).length, b * 4)
  const names = Buffer.concat(sorted.map((o) => Buffer.from(o.oid, 'hex')))
  const crcs = Buffer.alloc(sorted.length * 4)
  const offs = Buffer.alloc(sorted.length * 4)
  sorted.forEach((o, i) => offs.writeUInt32BE(o.offset, i * 4))
  writeFileSync(join(gitdir, 'objects', 'pack', 'pack-x.idx'), Buffer.concat([Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]), fanout, names, crcs, offs, Buffer.alloc(40)]))
  return gitdir
}

const [a, b, c] = ['aa'.repeat(20), 'bb'.repeat(20), 'cc'.repeat(20)]

test('ref-deltas that name each other (or themselves) as base end in a corrupt-pack error, not a stack overflow', async () => {
  // A cycle git never writes, which a hostile registry could.
  const store = new ObjectStore(await deltaPack([[a, b], [b, a]]))
  expect(() => store.read(a)).toThrow(/delta chain longer than/)
  expect(() => store.read(b)).toThrow(/delta chain longer than/)
  const self = new ObjectStore(await deltaPack([[c, c]]))
  expect(() => self.read(c)).toThrow(/delta chain longer than/)
})

test('a delta whose base is missing names the missing object', async () => {
  const store = new ObjectStore(await deltaPack([[a, c]]))
  expect(() => store.read(a)).toThrow(`git object ${c} (a delta base) is missing`)
})

test('a store moved with its repository reads every object at the new place, sharing what it had read', async () => {
  const { makeGitRepo } = await import('../../support/make-git-repo.ts')
  const { renameSync } = await import('node:fs')
  const repo = await makeGitRepo({ 'a.txt': 'first\n', 'b/c.txt': 'second\n' })
  Bun.spawnSync(['git', 'gc', '-q'], { cwd: repo }) // everything into one pack
  const head = Bun.spawnSync(['git', 'rev-parse', 'HEAD'], { cwd: repo }).stdout.toString().trim()
  const store = new ObjectStore(join(repo, '.git'))
  const tree = store.commitTree(head) // maps the pack
  const moved = `${repo}-moved`
  renameSync(repo, moved)
  const there = store.moved(join(moved, '.git'))
  expect(there.gitdir).toBe(join(moved, '.git'))
  const names = there.tree(tree).map((e) => e.name)
  expect(names).toEqual(['a.txt', 'b'])
  const blob = there.tree(tree).find((e) => e.name === 'a.txt')!.oid
  expect(new TextDecoder().decode(there.get(blob, 'blob').data)).toBe('first\n')
  // A store that had not mapped the pack yet maps it at the new place.
  const fresh = new ObjectStore(join(moved, '.git'))
  renameSync(moved, repo)
  const back = fresh.moved(join(repo, '.git'))
  expect(new TextDecoder().decode(back.get(blob, 'blob').data)).toBe('first\n')
})
