/**
 * Reading .zip files (for UTILS.EXTRACT) without any system tool: the central directory is
 * parsed here and members are inflated with node:zlib. Stored and deflated members are
 * supported; zip64, encryption and other methods are refused with a clear message. Paths are
 * not checked here: every entry goes through the archive module's EntryGuard before use.
 */
import { describeError, ZoiError } from '../errors.ts'
import type { RawEntry } from '../archive/index.ts'
import { zlib } from '../platform/node-lazy.ts'

export interface ZipMember {
  raw: RawEntry
  /** The member's bytes (symlink members: the link target). */
  read(): Uint8Array
}

const EOCD = 0x06054b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50
const S_IFMT = 0o170000
const S_IFLNK = 0o120000
const S_IFDIR = 0o040000

export function readZipMembers(data: Buffer, subject: string): ZipMember[] {
  const bad = (what: string) => new ZoiError('INTEGRITY', `${subject}: not a readable zip file (${what})`)
  const eocd = findEndRecord(data)
  if (eocd < 0) throw bad('no end-of-central-directory record')
  const count = data.readUInt16LE(eocd + 10)
  let at = data.readUInt32LE(eocd + 16)
  if (count === 0xffff || at === 0xffffffff) throw unsupported(subject, 'zip64 (a zip over 4 GiB or 65535 members)')
  const members: ZipMember[] = []
  for (let i = 0; i < count; i++) {
    if (at + 46 > data.length || data.readUInt32LE(at) !== CENTRAL) throw bad('broken central directory')
    const madeBy = data.readUInt16LE(at + 4) >> 8
    const flags = data.readUInt16LE(at + 8)
    const method = data.readUInt16LE(at + 10)
    const crc = data.readUInt32LE(at + 16)
    const packed = data.readUInt32LE(at + 20)
    const size = data.readUInt32LE(at + 24)
    const nameLength = data.readUInt16LE(at + 28)
    const skip = nameLength + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32)
    const external = data.readUInt32LE(at + 38)
    const offset = data.readUInt32LE(at + 42)
    const name = data.subarray(at + 46, at + 46 + nameLength).toString(flags & 0x800 ? 'utf8' : 'latin1')
    at += 46 + skip
    if (flags & 0x1) throw unsupported(subject, `an encrypted zip member ('${name}')`)
    if (packed === 0xffffffff || size === 0xffffffff || offset === 0xffffffff) throw unsupported(subject, 'zip64 (a zip over 4 GiB or 65535 members)')
    if (method !== 0 && method !== 8) throw unsupported(subject, `zip compression method ${method} ('${name}')`)
    // Only Unix-made zips carry a file mode; others get 644 (files) and 755 (folders).
    const unixMode = madeBy === 3 ? external >>> 16 : 0
    const isDir = name.endsWith('/') || (unixMode & S_IFMT) === S_IFDIR
    const isLink = !isDir && (unixMode & S_IFMT) === S_IFLNK
    const mode = (unixMode & 0o777) || (isDir ? 0o755 : 0o644)
    const read = (): Uint8Array => {
      if (offset + 30 > data.length || data.readUInt32LE(offset) !== LOCAL) throw bad(`no local header for '${name}'`)
      const start = offset + 30 + data.readUInt16LE(offset + 26) + data.readUInt16LE(offset + 28)
      if (start + packed > data.length) throw bad(`'${name}' is truncated`)
      const body = data.subarray(start, start + packed)
      let out: Uint8Array
      try {
        out = method === 0 ? body : zlib().inflateRawSync(body, { maxOutputLength: Math.max(size, 1) })
      } catch (e) {
        throw bad(`'${name}': ${describeError(e)}`)
      }
      if (out.length !== size || zlib().crc32(out) !== crc) throw bad(`'${name}' fails its CRC check`)
      return out
    }
    if (isDir) members.push({ raw: { path: name, type: 'directory', mode, size: 0 }, read: () => new Uint8Array() })
    else if (isLink) {
      const target = Buffer.from(read()).toString('utf8')
      members.push({ raw: { path: name, type: 'symlink', mode, size: 0, linkTarget: target }, read: () => new Uint8Array() })
    } else members.push({ raw: { path: name, type: 'file', mode, size }, read })
  }
  return members
}

/** The end record sits in the last 64 KiB + 22 bytes (its comment is at most 65535 bytes). */
function findEndRecord(data: Buffer): number {
  for (let at = data.length - 22; at >= Math.max(0, data.length - 22 - 0xffff); at--) {
    if (data.readUInt32LE(at) === EOCD) return at
  }
  return -1
}

function unsupported(subject: string, what: string): ZoiError {
  return new ZoiError('NOT_IMPLEMENTED', `${subject}: ${what} is not supported yet`, {
    hint: 'extract it with cmd() and a system tool (unzip), or use a .tar.gz/.tar.zst source',
  })
}
