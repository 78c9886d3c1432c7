/**
 * Extracting a checked archive into a fresh staging directory. Paths were already approved by
 * the EntryGuard (pure logic); this module adds the IO-level defences: directories are created
 * one level at a time and never through a symlink, files are created with O_EXCL (which also
 * refuses to follow a symlink), and on any error the whole destination is removed, so a caller
 * never sees a half-extracted package.
 *
 * Extraction is sequential, so the per-entry syscalls are synchronous: for archives with many
 * small files that is several times faster than a promise round trip per call.
 */
import { chmodSync, closeSync, fchmodSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, symlinkSync, write, writeSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ZoiError, describeError, errnoCode, isZoiError } from '../errors.ts'
import type { ArchiveEntry } from './archive-entry.ts'
import type { HashAlgorithm } from './hash-file.ts'
import type { ExpectedHash } from './sidecars.ts'
import { readTarEntries } from './tar-read.ts'
import { crypto } from '../platform/node-lazy.ts'

export interface ExtractOptions {
  /** Called as content is written, with the total bytes of file content written so far. */
  onProgress?: (bytes: number) => void
  /** 'none' for a plain tar (air-gap bundles); default zstd. */
  compression?: 'zstd' | 'none'
  /** Also digest the archive file itself, in the same read that extracts it (see `digest`). */
  hash?: HashAlgorithm
  /**
   * The archive must have this digest, computed in the same read: on a mismatch nothing is left
   * in `destDir` and the error is INTEGRITY. `source` names where the expected value came from.
   */
  expect?: ExpectedHash & { source?: string }
  /**
   * Also take the sha256 of every regular file (and hard link) as it is written, so nothing
   * needs to read the files back to record what was installed (`zoi check`).
   */
  fileHashes?: boolean
}

export interface ExtractResult {
  entries: ArchiveEntry[]
  /** Total bytes of regular-file content written. */
  bytes: number
  /** Lower-case hex digest of the archive file when `hash` or `expect` asked for one. */
  digest?: string
  /** With `fileHashes`: entry path → lower-case hex sha256 of its content. */
  fileHashes?: Map<string, string>
}

/**
 * Extract `archivePath` into `destDir`, which must not exist or be empty. Every entry is checked;
 * on any error `destDir` is removed and the error (INTEGRITY, UNSAFE_PATH, …) is rethrown.
 */
export async function extractArchive(archivePath: string, destDir: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  prepareDestination(destDir)
  const base = resolve(destDir)
  const entries: ArchiveEntry[] = []
  const made = new Set<string>([''])
  const dirModes: Array<[string, number]> = []
  let bytes = 0
  const algorithm = options.expect?.algorithm ?? options.hash
  const hash = algorithm ? crypto().createHash(algorithm) : undefined
  const fileHashes = options.fileHashes ? new Map<string, string>() : undefined
  // The bits open() would drop: a file whose mode survives the umask needs no fchmod afterwards.
  const umask = process.umask()
  try {
    for await (const { entry, data } of readTarEntries(archivePath, { compression: options.compression, onInput: hash && ((chunk) => hash.update(chunk)) })) {
      entries.push(entry)
      // Entry paths (and a hard link's target) are normalised and checked (no `..`, no `//`):
      // joined to the absolute destination without another parse.
      const target = `${base}/${entry.path}`
      ensureParents(base, entry.path, made)
      switch (entry.type) {
        case 'directory':
          ensureDir(base, entry.path, made)
          dirModes.push([target, entry.mode])
          break
        case 'file': {
          // 'wx' = O_CREAT|O_EXCL: fails on anything already there, including a (dangling) symlink.
          // Created with its final mode (the fd stays writable whatever the mode says).
          const fd = openSync(target, 'wx', entry.mode & 0o777)
          const content = fileHashes && crypto().createHash('sha256')
          // A large chunk is written on the I/O pool while this thread hashes it (the chunks are
          // never reused); a small one, synchronously: a round trip per tiny file costs more.
          let writing: Promise<void> | undefined
          try {
            for await (const chunk of data) {
              if (writing) {
                await writing
                writing = undefined
              }
              if (chunk.length >= WRITE_BEHIND) {
                writing = writeAllAsync(fd, chunk)
                // Awaited at the next chunk; one failing before that (the disk is full) must not count as unhandled.
                writing.catch(() => undefined)
              } else writeAll(fd, chunk)
              content?.update(chunk)
              bytes += chunk.length
              options.onProgress?.(bytes)
            }
            if (writing) {
              await writing
              writing = undefined
            }
            if (content) fileHashes!.set(entry.path, content.digest('hex'))
            if ((entry.mode & umask) !== 0 || (entry.mode & 0o7000) !== 0) fchmodSync(fd, entry.mode)
          } finally {
            // Never close under a write still in flight (its error, if any, was already thrown or is moot).
            await writing?.catch(() => undefined)
            closeSync(fd)
          }
          break
        }
        case 'symlink':
          symlinkSync(entry.linkTarget as string, target)
          break
        case 'hardlink':
          linkSync(`${base}/${entry.linkTarget as string}`, target)
          if (fileHashes?.has(entry.linkTarget as string)) fileHashes.set(entry.path, fileHashes.get(entry.linkTarget as string)!)
          break
      }
    }
    // Directory modes last, deepest first: a read-only directory must not block its own children.
    // Every folder here was made by ensureDir: one that already has its mode needs no chmod.
    const madeMode = DIR_MODE & ~umask
    for (const [dir, mode] of dirModes.reverse()) if ((mode & 0o7777) !== madeMode) chmodSync(dir, mode)
    const digest = hash?.digest('hex')
    const expected = options.expect
    if (expected && digest !== expected.hex) {
      throw new ZoiError(
        'INTEGRITY',
        `checksum mismatch for ${archivePath}:\nexpected ${expected.algorithm} ${expected.hex}${expected.source ? ` (from ${expected.source})` : ''}\nactual   ${expected.algorithm} ${digest}`,
        { data: { actual: digest } },
      )
    }
    return { entries, bytes, ...(digest ? { digest } : {}), ...(fileHashes ? { fileHashes } : {}) }
  } catch (e) {
    await rm(destDir, { recursive: true, force: true })
    throw toExtractError(e, archivePath)
  }
}

function prepareDestination(destDir: string): void {
  mkdirSync(destDir, { recursive: true })
  // The destination is deleted on failure, so it must hold nothing of anyone else's.
  if (readdirSync(destDir).length > 0) {
    throw new ZoiError('INTERNAL', `extraction directory '${destDir}' is not empty`)
  }
}

function ensureParents(root: string, path: string, made: Set<string>): void {
  const cut = path.lastIndexOf('/')
  if (cut > 0) ensureDir(root, path.slice(0, cut), made)
}

/** The mode folders are created with (less the umask); an entry's own mode is set once its content is in. */
const DIR_MODE = 0o755

/** mkdir -p without ever following a symlink: each missing level is created and checked alone. */
function ensureDir(root: string, path: string, made: Set<string>): void {
  if (made.has(path)) return
  const cut = path.lastIndexOf('/')
  if (cut > 0) ensureDir(root, path.slice(0, cut), made)
  const full = join(root, path)
  try {
    mkdirSync(full, DIR_MODE)
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e
    // Something is there already (on a case-insensitive filesystem, maybe a link named `A` for `a`):
    // only a real directory may be used, never a symlink to one.
    if (!lstatSync(full).isDirectory()) {
      throw new ZoiError('UNSAFE_PATH', `entry directory '${path}' collides with an earlier non-directory entry`)
    }
  }
  made.add(path)
}

function writeAll(fd: number, chunk: Uint8Array): void {
  let at = 0
  while (at < chunk.length) at += writeSync(fd, chunk, at)
}

/** Chunks from this size on are written behind the hashing (see extractArchive). */
const WRITE_BEHIND = 256 * 1024

async function writeAllAsync(fd: number, chunk: Uint8Array): Promise<void> {
  let at = 0
  while (at < chunk.length) {
    at += await new Promise<number>((resolve, reject) => write(fd, chunk, at, chunk.length - at, null, (e, n) => (e ? reject(e) : resolve(n))))
  }
}

function toExtractError(e: unknown, archivePath: string): ZoiError {
  if (isZoiError(e)) {
    return e.message.startsWith(archivePath) ? e : new ZoiError(e.code, `${archivePath}: ${e.message}`, { hint: e.hint, data: e.data, cause: e })
  }
  const errno = errnoCode(e)
  if (errno === 'EEXIST') {
    return new ZoiError('UNSAFE_PATH', `${archivePath}: an entry collides with an earlier one (${describeError(e)})`, { cause: e })
  }
  if (errno === 'EACCES' || errno === 'EPERM') {
    return new ZoiError('PERMISSION', `${archivePath}: cannot extract (${describeError(e)})`, { cause: e })
  }
  return new ZoiError('INTERNAL', `${archivePath}: extraction failed: ${describeError(e)}`, { cause: e })
}
