/**
 * Reading `.pkg.tar.zst` archives as a stream of checked entries: zstd → tar-stream → EntryGuard.
 * Nothing is buffered beyond a chunk or two, so listing, reading one member or extracting a
 * gigabyte archive all run in bounded memory. Every entry is path-checked before it is yielded,
 * so even `list` refuses a hostile archive.
 */
import type { Extract } from 'tar-stream'
import { createReadStream } from 'node:fs'
import { ZoiError, describeError, errnoCode, isZoiError } from '../errors.ts'
import { toRawEntry, type ArchiveEntry } from './archive-entry.ts'
import { EntryGuard, normalizeEntryPath } from './safe-path.ts'
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
  const { extract: tarExtract } = await import('tar-stream') // loaded on first use, not at start-up
  const extract = tarExtract()
  const source = options.compression === 'none' ? readPlainFile(archivePath, subject, options.onInput) : decodeZstdFile(archivePath, subject, options.onInput)
  const feeding = feed(source, extract)
  const guard = new EntryGuard(subject)
  try {
    for await (const stream of extract) {
      const entry = guard.admit(toRawEntry(stream.header, subject))
      if (entry !== null) yield { entry, data: readContent(stream as AsyncIterable<Uint8Array>, subject) }
      // Drain what the consumer did not read: tar-stream moves on only once an entry is consumed.
      for await (const _ of stream);
    }
    await feeding
  } catch (e) {
    throw toTarError(e, subject)
  } finally {
    extract.destroy()
    await feeding
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

/** An entry's chunks, with tar-stream's errors (raised while the consumer reads) converted. */
async function* readContent(stream: AsyncIterable<Uint8Array>, subject: string): AsyncGenerator<Uint8Array> {
  try {
    yield* stream
  } catch (e) {
    throw toTarError(e, subject)
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

/**
 * Write the decoded chunks into tar-stream, honouring its backpressure. Never rejects: a source
 * error destroys `extract` with that error, which is how the entry loop above learns about it.
 */
async function feed(source: AsyncGenerator<Uint8Array>, extract: Extract): Promise<void> {
  try {
    for await (const chunk of source) {
      if (extract.destroying) break
      if (!extract.write(chunk)) await drained(extract)
    }
    if (!extract.destroying) extract.end(null)
  } catch (e) {
    extract.destroy(e as Error)
  } finally {
    await source.return(undefined)
  }
}

function drained(extract: Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      extract.off('drain', done)
      extract.off('close', done)
      resolve()
    }
    extract.on('drain', done)
    extract.on('close', done)
  })
}
