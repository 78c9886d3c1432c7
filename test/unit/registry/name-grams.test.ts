/**
 * The bigram path of search's name-substring match (registry/name-grams.ts) must find exactly
 * what `name LIKE '%term%'` over every name finds, in the same order, after any writes.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { Database } from 'bun:sqlite'
import { IndexDb, type DefinitionChange } from '../../../src/registry/index-db.ts'
import { bigrams, NameGrams } from '../../../src/registry/name-grams.ts'
import { makeTempDir, removeTempDirs } from '../../support/make-git-repo.ts'
import { indexedPackage } from '../../support/indexed-package.ts'

afterAll(removeTempDirs)

const pkg = (name: string) => indexedPackage(name)

function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** The reference: every name scanned with LIKE, as search did before the bigrams. */
function scanned(db: IndexDb, lowered: string, limit: number): number[] {
  const pattern = `%${lowered.replace(/[\\%_]/g, '\\$&')}%`
  return (db.db.query("SELECT id FROM packages WHERE name LIKE ? ESCAPE '\\' ORDER BY name, id LIMIT ?").values(pattern, limit) as [number][]).map((r) => r[0])
}

describe('name bigrams', () => {
  test('bigrams fold ASCII letters only, as LIKE does', () => {
    expect(bigrams('AbC')).toEqual(['ab', 'bc'])
    expect(bigrams('ÜBer')).toEqual(['Üb', 'be', 'er'])
    expect(bigrams('x')).toEqual([])
    expect(bigrams('aaaa')).toEqual(['aa'])
  })

  test('random names, terms and writes: the bigrams find exactly what scanning every name finds', async () => {
    const file = join(await makeTempDir(), 'g.db')
    const db = IndexDb.open(file)
    const grams = new NameGrams(db.db, db.meta)
    const rnd = random(7)
    const alphabet = ['a', 'b', 'A', 'B', 'l', 'i', 'L', '-', '_', '%', '1', '7', 'ü', 'Ü', 'é', 't']
    const word = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('')
    const names = new Map<string, string>()
    let found = 0
    for (let round = 0; round < 25; round++) {
      const changes: DefinitionChange[] = []
      const removed: string[] = []
      for (let k = 0; k < 40; k++) {
        const path = `p${Math.floor(rnd() * 300)}`
        if (rnd() < 0.2 && names.has(path)) removed.push(path)
        else if (!removed.includes(path) && !changes.some((c) => c.path === path)) changes.push({ path, blob: `${round}`, pkg: pkg(word(1 + Math.floor(rnd() * 9))) })
      }
      db.applyChanges(changes, removed)
      for (const c of changes) names.set(c.path, c.pkg!.name)
      for (const p of removed) names.delete(p)
      for (let q = 0; q < 30; q++) {
        const all = [...names.values()]
        const from = all[Math.floor(rnd() * all.length)] ?? 'ab'
        const at = Math.floor(rnd() * from.length)
        // Pieces of real names (in any letter case), and random strings.
        const raw = rnd() < 0.7 ? from.slice(at, at + 2 + Math.floor(rnd() * 3)) : word(2 + Math.floor(rnd() * 3))
        const term = (rnd() < 0.5 ? raw.toUpperCase() : raw).toLowerCase()
        const limit = rnd() < 0.3 ? 3 : 200
        if (term.length < 2) continue
        const want = scanned(db, term, limit)
        expect(grams.matching(term, limit), `term ${JSON.stringify(term)}`).toEqual(want)
        if (want.length > 0) found++
      }
    }
    expect(found).toBeGreaterThan(300) // most terms matched something: the comparison was not of empty lists
    expect(grams.matching('x', 200)).toBeUndefined() // one character: the caller scans
    db.close()
  })

  test('an index an older zoi wrote (no bigrams) is scanned; its next writable open adds them', async () => {
    const file = join(await makeTempDir(), 'old.db')
    const db = IndexDb.open(file)
    db.applyChanges(['libfoo', 'foolib', 'bar'].map((name, i) => ({ path: `p${i}`, blob: '1', pkg: pkg(name) })), [])
    db.close()
    const raw = new Database(file)
    raw.exec("DROP TABLE name_grams; DELETE FROM meta WHERE key = 'name_grams'")
    raw.close()
    const reader = IndexDb.open(file, { readonly: true })
    expect(new NameGrams(reader.db, reader.meta).matching('lib', 200)).toBeUndefined()
    expect(reader.search('lib').map((p) => p.name)).toEqual(['foolib', 'libfoo'])
    reader.close()
    const writer = IndexDb.open(file)
    expect(new NameGrams(writer.db, writer.meta).matching('lib', 200)).toHaveLength(2)
    expect(writer.search('LIB').map((p) => p.name)).toEqual(['foolib', 'libfoo'])
    writer.close()
  })
})
