/**
 * Archives for the cache tests, built inside the test with the real writer: a tiny package tree
 * (`<name>.pkg.lua`, `manifest.yaml`, a binary under `data/pkgstore`) and, on request, its sidecars.
 */
export { zoiFailure as rejection } from '../../support/expect-error.ts'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { listDataFiles, writeArchive, writeSidecars } from '../../../src/archive/index.ts'
import type { ProgressEvent } from '../../../src/progress.ts'
import { makeTempDir } from '../../support/run-cli.ts'

export interface BuiltArchive {
  path: string
  fileName: string
  sha512: string
}

/**
 * `<dir>/<name>-<version>-linux-amd64.pkg.tar.zst`. `payloadBytes` of incompressible data make
 * the archive big enough to interrupt a download part-way.
 */
export async function buildArchive(
  dir: string,
  name: string,
  version = '1.0.0',
  options: { payloadBytes?: number; sidecars?: boolean } = {},
): Promise<BuiltArchive> {
  const tree = makeTempDir('zoi-cache-tree-')
  mkdirSync(join(tree, 'data/pkgstore/bin'), { recursive: true })
  writeFileSync(join(tree, `${name}.pkg.lua`), `metadata({ name = "${name}", version = "${version}" })\n`)
  writeFileSync(join(tree, 'manifest.yaml'), `- data/pkgstore/bin/${name}\n`)
  writeFileSync(join(tree, `data/pkgstore/bin/${name}`), noise(options.payloadBytes ?? 64, `${name}@${version}`))
  mkdirSync(dir, { recursive: true })
  const fileName = `${name}-${version}-linux-amd64.pkg.tar.zst`
  const path = join(dir, fileName)
  const { entries, bytes } = await writeArchive(path, tree)
  const hasher = new Bun.CryptoHasher('sha512')
  hasher.update(await Bun.file(path).arrayBuffer())
  const sha512 = hasher.digest('hex')
  if (options.sidecars) await writeSidecars(path, { installBytes: bytes, files: listDataFiles(entries) })
  return { path, fileName, sha512 }
}

/** Deterministic bytes that zstd cannot shrink (xorshift seeded by `seed`). */
export function noise(length: number, seed: string): Uint8Array {
  let x = [...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 2166136261) || 1
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

/** A Report that remembers what it was told. */
export function recordReports(): { report: (e: ProgressEvent) => void; events: ProgressEvent[] } {
  const events: ProgressEvent[] = []
  return { report: (e) => void events.push(e), events }
}

