/**
 * Writing reproducible `.pkg.tar.zst` archives from a directory tree. The same tree gives the same
 * bytes: entries in sorted depth-first order, one fixed mtime, uid/gid 0, empty user and group
 * names, permission bits kept, symlinks kept as symlinks. Long or non-ASCII paths use the ustar
 * prefix field or a pax header. Content is streamed file by file into the compressor, and the
 * result appears at `outPath` only when complete (written to `outPath.tmp`, then renamed).
 */
import { createReadStream, createWriteStream, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Pack } from 'tar-stream'
import { ZoiError, describeError, fromSystemError, isZoiError } from '../errors.ts'
import type { ArchiveEntry } from './archive-entry.ts'
import { EntryGuard } from './safe-path.ts'
import { writeZstdFile } from './zstd.ts'

export interface WriteOptions {
  /** Seconds since the epoch for every entry. Callers pass SOURCE_DATE_EPOCH when set; default 0. */
  mtime?: number
  /** 'none' writes a plain tar (air-gap bundles); default zstd. */
  compression?: 'zstd' | 'none'
}

export interface WriteResult {
  entries: ArchiveEntry[]
  /** Sum of regular-file sizes: the `install:` figure of the `.size` sidecar. */
  bytes: number
}

/** Files up to this size are read whole; larger ones are streamed. */
const WHOLE_FILE_LIMIT = 4 * 1024 * 1024

export async function writeArchive(outPath: string, sourceDir: string, options: WriteOptions = {}): Promise<WriteResult> {
  const mtime = new Date((options.mtime ?? 0) * 1000)
  const tmpPath = `${outPath}.tmp`
  // Run the writer's entries through the reader's checks: an archive zoi would refuse to
  // install (absolute or escaping symlinks, …) is not worth building.
  const guard = new EntryGuard(sourceDir)
  const entries = collectEntries(sourceDir).map((raw) => guard.admit(raw) as ArchiveEntry)
  const { pack: tarPack } = await import('tar-stream') // loaded on first use, not at start-up
  const pack = tarPack()
  const writing = options.compression === 'none' ? (await import('node:stream/promises')).pipeline(pack, createWriteStream(tmpPath)) : writeZstdFile(tmpPath, pack)
  try {
    const [, bytes] = await Promise.all([writing, addEntries(pack, sourceDir, entries, mtime)])
    await rename(tmpPath, outPath)
    return { entries, bytes }
  } catch (e) {
    pack.destroy()
    await writing.catch(() => {})
    await rm(tmpPath, { force: true })
    if (isZoiError(e)) throw e
    // A missing folder, a full or read-only disk: the user's to fix, named with its path.
    const sys = fromSystemError(e)
    throw new ZoiError(isZoiError(sys) ? sys.code : 'INTERNAL', `cannot write archive '${outPath}': ${describeError(e)}`, { cause: e, hint: isZoiError(sys) ? sys.hint : undefined })
  }
}

/** The tree under `root` in archive order: depth-first, children sorted by name. */
function collectEntries(root: string): ArchiveEntry[] {
  const out: ArchiveEntry[] = []
  const walk = (rel: string): void => {
    const names = readdirSync(rel === '' ? root : join(root, rel)).sort(compareNames)
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`
      const st = lstatSync(join(root, path))
      const mode = st.mode & 0o7777
      if (st.isDirectory()) {
        out.push({ path, type: 'directory', mode, size: 0 })
        walk(path)
      } else if (st.isFile()) {
        out.push({ path, type: 'file', mode, size: st.size })
      } else if (st.isSymbolicLink()) {
        out.push({ path, type: 'symlink', mode, size: 0, linkTarget: readlinkSync(join(root, path)) })
      } else {
        throw new ZoiError('REFUSED', `cannot archive '${join(root, path)}': only files, directories and symlinks can be packaged`)
      }
    }
  }
  walk('')
  return out
}

/** Plain code-unit order: unlike localeCompare, the same on every machine and locale. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

async function addEntries(pack: Pack, root: string, entries: ArchiveEntry[], mtime: Date): Promise<number> {
  let bytes = 0
  for (const entry of entries) {
    const header = {
      // A trailing slash marks directories for old readers (tar-stream does not add it itself).
      name: entry.type === 'directory' ? `${entry.path}/` : entry.path,
      type: entry.type === 'hardlink' ? ('link' as const) : entry.type,
      mode: entry.mode,
      mtime,
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
      size: entry.size,
      linkname: entry.linkTarget,
    }
    const source = join(root, entry.path)
    if (entry.type !== 'file') {
      await addEntry(pack, header)
    } else if (entry.size <= WHOLE_FILE_LIMIT) {
      const content = readFileSync(source)
      if (content.length !== entry.size) throw new ZoiError('INTERNAL', `'${source}' changed while it was being archived`)
      await addEntry(pack, header, content)
    } else {
      await addStreamedEntry(pack, header, source)
    }
    bytes += entry.size
  }
  pack.finalize()
  return bytes
}

type PackHeader = Parameters<Pack['entry']>[0]

/** Resolves once the entry is fully queued; awaiting it keeps at most one entry in flight. */
function addEntry(pack: Pack, header: PackHeader, content?: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve())
    const sink = content === undefined ? pack.entry(header, done) : pack.entry(header, content, done)
    // Failures arrive through `done`; without a listener a destroyed entry would also throw globally.
    sink.on('error', () => {})
  })
}

async function addStreamedEntry(pack: Pack, header: PackHeader, source: string): Promise<void> {
  let sink!: ReturnType<Pack['entry']>
  const finished = new Promise<void>((resolve, reject) => {
    sink = pack.entry(header, (err) => (err ? reject(err) : resolve()))
    sink.on('error', () => {})
  })
  // It may fail while the file is still being read; it is awaited (and rethrown) below.
  finished.catch(() => {})
  for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 })) {
    if (!sink.write(chunk as Uint8Array)) await drained(sink)
    if (sink.destroying) break
  }
  // A file that grew or shrank while being read ends with "Size mismatch" here.
  sink.end(null)
  await finished
}

function drained(sink: ReturnType<Pack['entry']>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sink.off('drain', done)
      sink.off('close', done)
      resolve()
    }
    sink.on('drain', done)
    sink.on('close', done)
  })
}
