/**
 * UTILS.EXTRACT's unpacking of upstream sources: .tar.gz/.tgz, .tar.zst, plain .tar and .zip,
 * recognised by their first bytes (a download URL often has no extension), with node:zlib only;
 * any other file is copied as it is. .tar.bz2 and .7z are refused as not supported yet.
 *
 * Every entry passes the archive module's EntryGuard (no `..`, no absolute paths, no writing
 * through links, no links out of the tree) before it touches the disk. The tree is unpacked into
 * a fresh folder next to the destination and merged in only when complete.
 */
import { chmodSync, copyFileSync, createReadStream, closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { Transform } from 'node:stream'
import type { Header } from 'tar-stream'
import { EntryGuard, type ArchiveEntry, type RawEntry } from '../archive/index.ts'
import { describeError, isZoiError, ZoiError } from '../errors.ts'
import { readHead } from '../platform/fs.ts'
import { readZipMembers } from './zip-entries.ts'
import { stream, zlib } from '../platform/node-lazy.ts'

type Format = 'gzip' | 'zstd' | 'tar' | 'zip' | 'xz' | 'bzip2' | '7z' | 'plain'

/** Unpacks `file` into `destDir` (created if needed, merged into if it exists). `name` is the file's name for messages and plain copies. */
export async function extractSource(file: string, destDir: string, name: string): Promise<void> {
  const format = sniffFormat(file)
  if (format === 'bzip2' || format === '7z') {
    throw new ZoiError('NOT_IMPLEMENTED', `UTILS.EXTRACT: ${name} is a ${format} file; zoi cannot unpack ${format} yet`, {
      hint: `unpack it with cmd() and a system tool (e.g. cmd("tar -xf ${name}")), or use a .tar.gz/.tar.zst/.zip source`,
    })
  }
  mkdirSync(destDir, { recursive: true })
  const scratch = mkdtempSync(join(dirname(destDir), `.${basename(destDir)}.unpack-`))
  try {
    if (format === 'plain') copyFileSync(file, join(scratch, basename(name)))
    else if (format === 'zip') await writeZip(file, scratch, name)
    else await writeTar(file, format, scratch, name)
    mergeInto(scratch, destDir)
  } catch (e) {
    if (isZoiError(e)) throw e
    throw new ZoiError('INTEGRITY', `UTILS.EXTRACT: cannot unpack ${name}: ${describeError(e)}`, { cause: e })
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

export function sniffFormat(file: string): Format {
  const head = readHead(file, 512)
  const n = head.length
  const starts = (...bytes: number[]) => n >= bytes.length && bytes.every((b, i) => head[i] === b)
  if (starts(0x1f, 0x8b)) return 'gzip'
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd'
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz'
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2'
  if (starts(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return '7z'
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return 'zip'
  if (n >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar'
  return 'plain'
}

async function writeTar(file: string, format: 'gzip' | 'zstd' | 'xz' | 'tar', root: string, name: string): Promise<void> {
  // tar-stream and xz-decompress load here, on first use: never at start-up.
  const { extract: tarExtract } = await import('tar-stream')
  const { XzReadableStream } = format === 'xz' ? await import('xz-decompress') : { XzReadableStream: undefined }
  const writer = treeWriter(root, name)
  const extract = tarExtract()
  const stages: Transform[] = format === 'gzip' ? [zlib().createGunzip()] : format === 'zstd' ? [zlib().createZstdDecompress()] : []
  // xz has no node:zlib decoder: xz-decompress (xz-embedded compiled to wasm, inlined) streams it.
  const source = XzReadableStream ? stream().Readable.fromWeb(new XzReadableStream(stream().Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>) as never) : createReadStream(file)
  stream().pipeline([source, ...stages, extract], (err) => {
    if (err) extract.destroy(err)
  })
  for await (const entry of extract) {
    await writer.add(toRawEntry(entry.header, name), entry as AsyncIterable<Uint8Array>)
    for await (const _ of entry); // what add() did not read (links, folders)
  }
  writer.finish()
}

async function writeZip(file: string, root: string, name: string): Promise<void> {
  const writer = treeWriter(root, name)
  for (const member of readZipMembers(readFileSync(file), name)) await writer.add(member.raw, [member.read()])
  writer.finish()
}

function toRawEntry(header: Header, subject: string): RawEntry {
  const type = header.type as string | null
  const kind = type === 'file' || type === 'contiguous-file' ? 'file' : type === 'directory' ? 'directory' : type === 'symlink' ? 'symlink' : type === 'link' ? 'hardlink' : undefined
  if (kind === undefined) throw new ZoiError('UNSAFE_PATH', `${subject}: entry '${header.name}' is a ${type ?? 'unknown kind of entry'}; sources may hold only files, folders and links`)
  const raw: RawEntry = { path: header.name, type: kind, mode: (header.mode ?? 0o644) & 0o777, size: header.size ?? 0 }
  if (kind === 'symlink' || kind === 'hardlink') raw.linkTarget = header.linkname ?? ''
  return raw
}

/** Writes checked entries below `root`, a fresh folder. Files are created with O_EXCL, which never follows a link. */
function treeWriter(root: string, subject: string): { add(raw: RawEntry, content: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void>; finish(): void } {
  const guard = new EntryGuard(subject)
  const dirModes: Array<[string, number]> = []
  return {
    async add(raw, content) {
      const entry: ArchiveEntry | null = guard.admit(raw)
      if (entry === null) return
      const target = join(root, entry.path)
      mkdirSync(dirname(target), { recursive: true })
      if (entry.type === 'directory') {
        mkdirSync(target, { recursive: true })
        dirModes.push([target, entry.mode | 0o700])
      } else if (entry.type === 'symlink') {
        symlinkSync(entry.linkTarget as string, target)
      } else if (entry.type === 'hardlink') {
        copyFileSync(join(root, entry.linkTarget as string), target)
      } else {
        const fd = openSync(target, 'wx', 0o600)
        try {
          for await (const chunk of content) {
            for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at)
          }
        } finally {
          closeSync(fd)
        }
        chmodSync(target, entry.mode | 0o600)
      }
    },
    finish() {
      for (const [dir, mode] of dirModes.reverse()) chmodSync(dir, mode)
    },
  }
}

/** Moves the unpacked tree into `to`: new names are renamed in, folders merge, anything else is replaced. */
function mergeInto(from: string, to: string): void {
  for (const name of readdirSync(from)) {
    const source = join(from, name)
    const target = join(to, name)
    let existing: ReturnType<typeof lstatSync> | undefined
    try {
      existing = lstatSync(target)
    } catch {
      existing = undefined
    }
    if (existing?.isDirectory() && lstatSync(source).isDirectory()) {
      mergeInto(source, target)
      continue
    }
    if (existing) rmSync(target, { recursive: true, force: true })
    renameSync(source, target)
  }
}
