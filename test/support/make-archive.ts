/**
 * Test fixtures for archives, built inside the test from header descriptions (like node-tar's
 * make-tar): nothing opaque is committed. `writeTarZst` streams, so it can produce archives with
 * 100,000 entries or a file of hundreds of megabytes without holding them in memory.
 */
import { createWriteStream, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { constants, createZstdCompress, zstdCompressSync } from 'node:zlib'
import { pack as tarPack, type Header, type Pack } from 'tar-stream'

export interface TarSpec {
  name: string
  type?: Header['type']
  mode?: number
  linkname?: string
  /** Content of a file entry. */
  content?: string | Uint8Array
  /** Large content, produced chunk by chunk; the chunks must add up to `size`. */
  stream?: { size: number; chunks: () => Iterable<Uint8Array> }
}

/** An uncompressed tar of `entries`, in memory (for small hostile archives). */
export async function makeTar(entries: Iterable<TarSpec>): Promise<Uint8Array> {
  const pack = tarPack()
  const parts: Uint8Array[] = []
  const collecting = (async () => {
    for await (const chunk of pack) parts.push(chunk as Uint8Array)
  })()
  await addAll(pack, entries)
  await collecting
  return Buffer.concat(parts)
}

/** zstd-compress bytes in memory: one frame, checksummed unless `checksum` is false. */
export function zstd(data: Uint8Array, checksum = true): Uint8Array {
  return zstdCompressSync(data, { params: { [constants.ZSTD_c_checksumFlag]: checksum ? 1 : 0 } })
}

/** Stream a `.tar.zst` of `entries` to `path`. */
export async function writeTarZst(path: string, entries: Iterable<TarSpec>): Promise<void> {
  const pack = tarPack()
  const compressor = createZstdCompress({ params: { [constants.ZSTD_c_checksumFlag]: 1 } })
  await Promise.all([pipeline(batches(pack), compressor, createWriteStream(path)), addAll(pack, entries)])
}

/** One compressor job per header would be slow: hand it ~1 MiB at a time. */
async function* batches(source: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = []
  let size = 0
  for await (const chunk of source) {
    parts.push(chunk as Uint8Array)
    size += (chunk as Uint8Array).length
    if (size >= 1 << 20) {
      yield Buffer.concat(parts, size)
      parts = []
      size = 0
    }
  }
  if (size > 0) yield Buffer.concat(parts, size)
}

async function addAll(pack: Pack, entries: Iterable<TarSpec>): Promise<void> {
  for (const spec of entries) {
    const content = typeof spec.content === 'string' ? Buffer.from(spec.content) : spec.content
    const header = {
      name: spec.name,
      type: spec.type ?? 'file',
      mode: spec.mode ?? (spec.type === 'directory' ? 0o755 : 0o644),
      mtime: new Date(0),
      linkname: spec.linkname,
      size: spec.stream?.size ?? content?.length ?? 0,
    } as Parameters<Pack['entry']>[0]
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve())
      if (spec.stream) {
        const sink = pack.entry(header, done)
        void (async () => {
          for (const chunk of spec.stream!.chunks()) {
            if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()))
          }
          sink.end(null)
        })()
      } else if (content) {
        pack.entry(header, content, done)
      } else {
        pack.entry(header, done)
      }
    })
  }
  pack.finalize()
}

/** A fresh temporary directory (under `base`, default the system temp dir) and a way to remove it. */
export function makeSandbox(prefix = 'zoi-archive-', base = tmpdir()): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(base, prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Every path under `dir`, relative and sorted (symlinks are listed, not followed). */
export function listTree(dir: string): string[] {
  const out: string[] = []
  const walk = (rel: string) => {
    for (const name of readdirSync(rel === '' ? dir : join(dir, rel))) {
      const path = rel === '' ? name : `${rel}/${name}`
      out.push(path)
      if (lstatSync(join(dir, path)).isDirectory()) walk(path)
    }
  }
  walk('')
  return out.sort()
}
