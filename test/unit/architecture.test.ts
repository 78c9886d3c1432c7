/**
 * Keeps the edges of STYLE.md honest with a regex over the sources: the direction of imports,
 * one network edge, one place for paths, no process.exit, Bun-only APIs where they belong.
 */
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { Glob } from 'bun'

const SRC = resolve(import.meta.dir, '../../src')
const files = [...new Glob('**/*.ts').scanSync(SRC)].map((f) => ({ rel: f, text: readFileSync(join(SRC, f), 'utf8') }))

function imports(file: { rel: string; text: string }): string[] {
  const out: string[] = []
  for (const m of file.text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) out.push(m[1]!)
  for (const m of file.text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!)
  return out
}

/** The top folder (or file) of src/ that a relative import lands in. */
function target(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined
  const abs = relative(SRC, resolve(SRC, dirname(from), spec))
  return abs.split('/')[0]
}

function folder(rel: string): string {
  return rel.includes('/') ? rel.split('/')[0]! : rel
}

/** Which folders each folder may import (besides itself, errors.ts, progress.ts). */
const ALLOWED: Record<string, string[]> = {
  'main.ts': ['cli'],
  cli: ['ops', 'config', 'platform', 'context.ts', 'version.ts', 'registry', 'store', 'cache', 'archive', 'resolve', 'lua', 'sources'],
  ops: ['registry', 'store', 'cache', 'archive', 'lua', 'resolve', 'build', 'config', 'platform', 'context.ts', 'mirror', 'bundle', 'version.ts', 'trust', 'sources'],
  bundle: ['archive', 'platform'],
  build: ['lua', 'archive', 'config', 'platform', 'context.ts', 'sources'],
  mirror: ['registry', 'cache', 'archive', 'config', 'platform', 'context.ts', 'sources'],
  sources: ['registry', 'archive', 'config', 'platform', 'context.ts'],
  registry: ['lua', 'resolve', 'archive', 'config', 'platform', 'context.ts', 'trust'],
  store: ['archive', 'config', 'platform', 'context.ts'],
  cache: ['archive', 'config', 'platform', 'context.ts'],
  trust: ['config', 'platform'],
  archive: ['platform', 'worker-entry.ts'],
  lua: ['worker-entry.ts'],
  resolve: [],
  config: [],
  platform: ['worker-entry.ts'],
  'worker-entry.ts': [],
  'context.ts': ['config', 'platform'],
  'version.ts': [],
}

test('imports follow cli → ops → domains → (config, platform)', () => {
  const bad: string[] = []
  for (const f of files) {
    const from = folder(f.rel)
    const allowed = new Set([from, 'errors.ts', 'progress.ts', ...(ALLOWED[from] ?? [])])
    for (const spec of imports(f)) {
      const to = target(f.rel, spec)
      if (spec.startsWith('.') && to === undefined) bad.push(`${f.rel} imports ${spec} (outside src/)`)
      if (to !== undefined && !allowed.has(to) && !(from === 'version.ts' && spec.endsWith('package.json'))) bad.push(`${f.rel} → ${spec}`)
    }
  }
  expect(bad).toEqual([])
})

test('nothing imports cli/ except main.ts', () => {
  const bad = files.filter((f) => f.rel !== 'main.ts' && folder(f.rel) !== 'cli' && imports(f).some((s) => target(f.rel, s) === 'cli'))
  expect(bad.map((f) => f.rel)).toEqual([])
})

test('resolve/ and lua/ are pure: no fs, no network, no processes, no sqlite', () => {
  const impure = /^(node:)?(fs|fs\/promises|child_process|net|http|https|dns|tls|os)$|^bun:sqlite$/
  const bad = files
    .filter((f) => ['resolve', 'lua'].includes(folder(f.rel)))
    .flatMap((f) => imports(f).filter((s) => impure.test(s)).map((s) => `${f.rel} imports ${s}`))
  expect(bad).toEqual([])
})

test('only platform/net.ts opens client network connections', () => {
  const network = /(?<![.\w])fetch\(|from ['"](node:)?(http|https|net|dns|tls)['"]|Bun\.connect\(/
  const bad = files.filter((f) => f.rel !== 'platform/net.ts' && network.test(f.text.replace(/\/\/.*$/gm, '')))
  expect(bad.map((f) => f.rel)).toEqual([])
})

test('only platform/layout.ts builds /etc, /var or home paths', () => {
  const paths = /['"`]\/(etc|var)\b|homedir\(|\bos\.homedir|process\.env\.HOME|['"`]~\//
  const bad = files.filter((f) => f.rel !== 'platform/layout.ts' && paths.test(f.text.replace(/^\s*(\/\/|\*).*$/gm, '')))
  expect(bad.map((f) => f.rel)).toEqual([])
})

test('nothing calls process.exit (it skips finally blocks and lock release)', () => {
  expect(files.filter((f) => /process\.exit\(/.test(f.text)).map((f) => f.rel)).toEqual([])
})

test('bun:sqlite stays in registry/ and store/', () => {
  const bad = files.filter((f) => /from ['"]bun:sqlite['"]/.test(f.text) && !['registry', 'store'].includes(folder(f.rel)))
  expect(bad.map((f) => f.rel)).toEqual([])
})

test('the checks see the source tree', () => {
  expect(files.length).toBeGreaterThan(10)
  expect(files.some((f) => f.rel === 'platform/net.ts')).toBe(true)
})
