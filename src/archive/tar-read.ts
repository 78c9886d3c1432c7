/**
 * Reading `.pkg.tar.zst` archives as a stream of checked entries: zstd → tar headers
 * (tar-parse.ts) → EntryGuard.
 * Nothing is buffered beyond a chunk or two, so listing, reading one member or extracting a
 * gigabyte archive all run in bounded memory. Every entry is path-checked before it is yielded,
 * so even `list` refuses a hostile archive.
 */
import { createReadStream } from 'node:fs'
import { ZoiError, describeError, errnoCode, isZoiError } from '../errors.ts'
import { toRawEntry, type ArchiveEntry } from './archive-entry.ts'
import { ByteReader } from './byte-reader.ts'
import { EntryGuard, normalizeEntryPath } from './safe-path.ts'
import { decodeHeader, decodeLongName, decodePax, MAX_META_HEADER, type TarHeader } from './tar-parse.ts'
import { decodeZstdFile } from './zstd.ts'

export interface TarItem {
  entry: ArchiveEntry
  /** The entry's content: read it to the end or not at all (an unread entry is skipped). */
  data: AsyncIterable<Uint8Array>
}

export interface ReadOptions {
  /** 'none' reads a plain tar (air-gap bundles); default zstd. */
  compression?: 'zstd' | 'none'
  /** Sees every byte of the file as it is read (hashing while extracting). */
  onInput?: (chunk: Buffer) => void
}

/** Upper bound for readArchiveMember: members read into memory are small metadata files. */
const DEFAULT_MEMBER_LIMIT = 64 * 1024 * 1024

/**
 * Every entry of the archive, checked, in archive order. Errors are ZoiErrors: INTEGRITY for
 * anything undecodable, UNSAFE_PATH for hostile entries. Returning early closes the archive.
 */
export async function* readTarEntries(archivePath: string, options: ReadOptions = {}): AsyncGenerator<TarItem> {
  const subject = archivePath
  const source = options.compression === 'none' ? readPlainFile(archivePath, subject, options.onInput) : decodeZstdFile(archivePath, subject, options.onInput)
  const reader = new ByteReader(source)
  const guard = new EntryGuard(subject)
  const meta = new MetaHeaders()
  try {
    for (;;) {
      const block = await reader.take(512)
      if (block === null) break
      const header = decodeHeader(block)
      if (header === null) continue
      if (meta.wants(header)) {
        if (header.size > MAX_META_HEADER) throw new Error('Header exceeds max size')
        meta.read(header, (await reader.take(header.size)) ?? new Uint8Array(0))
        await reader.skip(padding(header.size))
        continue
      }
      meta.apply(header)
      if (!(header.size >= 0)) throw new Error('Invalid header')
      const entry = guard.admit(toRawEntry(header, subject))
      // As tar-stream did: a folder's size field carries no content.
      const size = header.type === 'directory' ? 0 : header.size
      const left = { bytes: size }
      if (entry !== null) yield { entry, data: readContent(reader, left, subject) }
      // What the consumer did not read is passed over.
      await reader.skip(left.bytes + padding(size))
    }
  } catch (e) {
    throw toTarError(e, subject)
  } finally {
    await source.return(undefined)
  }
}

/** All entries of the archive (the root `.` entry left out). */
export async function listArchive(archivePath: string): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = []
  for await (const { entry } of readTarEntries(archivePath)) entries.push(entry)
  return entries
}

/**
 * The content of one regular-file member (`manifest.yaml`, `hello.pkg.lua`, …), reading the
 * archive only up to it; undefined when absent. `member` is a path (with or without `./`) or a
 * predicate such as "the first `*.pkg.lua`".
 */
export async function readArchiveMember(
  archivePath: string,
  member: string | ((entry: ArchiveEntry) => boolean),
  options: { maxBytes?: number } & ReadOptions = {},
): Promise<Uint8Array | undefined> {
  const wanted = typeof member === 'string' ? normalizeEntryPath(member, archivePath) : undefined
  const matches = typeof member === 'string' ? (e: ArchiveEntry) => e.path === wanted : member
  const limit = options.maxBytes ?? DEFAULT_MEMBER_LIMIT
  for await (const { entry, data } of readTarEntries(archivePath, { compression: options.compression })) {
    if (entry.type !== 'file' || !matches(entry)) continue
    if (entry.size > limit) {
      throw new ZoiError('INTEGRITY', `${archivePath}: member '${entry.path}' is ${entry.size} bytes, more than the ${limit} allowed`)
    }
    const out = new Uint8Array(entry.size)
    let at = 0
    for await (const chunk of data) {
      out.set(chunk, at)
      at += chunk.length
    }
    return out
  }
  return undefined
}

/** An entry's content as views of the decoded chunks; `left` tells the reader what was not read. */
async function* readContent(reader: ByteReader, left: { bytes: number }, subject: string): AsyncGenerator<Uint8Array> {
  try {
    while (left.bytes > 0) {
      const piece = await reader.piece(left.bytes)
      left.bytes -= piece.length
      yield piece
    }
  } catch (e) {
    throw toTarError(e, subject)
  }
}

/** Content is padded to whole 512-byte blocks. */
function padding(size: number): number {
  return (512 - (size % 512)) % 512
}

/** GNU long names and pax records, applied to the next real header (tar-stream's rules). */
class MetaHeaders {
  #longPath: string | null = null
  #longLink: string | null = null
  #pax: Record<string, string> | null = null
  #paxGlobal: Record<string, string> | null = null

  wants(h: TarHeader): boolean {
    return h.type === 'gnu-long-path' || h.type === 'gnu-long-link-path' || h.type === 'pax-header' || h.type === 'pax-global-header'
  }

  read(h: TarHeader, body: Uint8Array): void {
    if (h.type === 'gnu-long-path') this.#longPath = decodeLongName(body)
    else if (h.type === 'gnu-long-link-path') this.#longLink = decodeLongName(body)
    else if (h.type === 'pax-global-header') this.#paxGlobal = decodePax(body)
    else this.#pax = { ...this.#paxGlobal, ...decodePax(body) }
  }

  apply(h: TarHeader): void {
    if (this.#longPath !== null) h.name = this.#longPath
    if (this.#longLink !== null) h.linkname = this.#longLink
    this.#longPath = this.#longLink = null
    const pax = this.#pax
    if (pax === null) return
    if (pax.path) h.name = pax.path
    if (pax.linkpath) h.linkname = pax.linkpath
    if (pax.size) h.size = Number.parseInt(pax.size, 10)
    this.#pax = null
  }
}

/** The bytes of an uncompressed tar file, with file errors as ZoiErrors naming it. */
async function* readPlainFile(path: string, subject: string, onInput?: (chunk: Buffer) => void): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      onInput?.(chunk)
      yield chunk
    }
  } catch (e) {
    const errno = errnoCode(e)
    if (errno === 'ENOENT') throw new ZoiError('NOT_FOUND', `${subject}: file not found`)
    if (errno === 'EACCES' || errno === 'EPERM') throw new ZoiError('PERMISSION', `${subject}: cannot read it (${errno})`)
    throw toTarError(e, subject)
  }
}

function toTarError(e: unknown, subject: string): ZoiError {
  if (isZoiError(e)) return e
  return new ZoiError('INTEGRITY', `${subject}: corrupt tar data (${describeError(e)})`, { cause: e })
}
