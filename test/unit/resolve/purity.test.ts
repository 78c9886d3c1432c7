// src/resolve is pure (STYLE.md): it imports only its own files and ../errors.ts, and uses no
// clock, randomness, process state or Bun API. A regex over the sources keeps that honest.
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const DIR = join(import.meta.dir, '../../../src/resolve')
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.ts'))

describe('src/resolve purity', () => {
  test.each(FILES)('%s', (file) => {
    const text = readFileSync(join(DIR, file), 'utf8')
    const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1])
    expect(imports.filter((i) => i !== '../errors.ts' && !/^\.\/[a-z-]+\.ts$/.test(i ?? ''))).toEqual([])
    expect(text).not.toMatch(/\b(Date|Math\.random|process\.|Bun\.|require\(|import\()/)
    expect(text).not.toMatch(/export default/)
  })
})
