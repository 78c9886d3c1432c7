/**
 * What one tar entry means to zoi, and the translation from a tar header to it.
 * Only four kinds exist for zoi; devices, fifos and unknown kinds are refused here, because a
 * package never needs them and creating them would hand the archive a way into the host.
 */
import type { TarHeader } from './tar-parse.ts'
import { ZoiError } from '../errors.ts'
import type { RawEntry } from './safe-path.ts'

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink'

export interface ArchiveEntry {
  /** Normalised: no `./`, no `//`, no trailing `/`. */
  path: string
  type: EntryType
  /** Permission bits only (`& 0o7777`). */
  mode: number
  /** Bytes of content; 0 for everything but regular files. */
  size: number
  /** Symlink target as written, or the normalised path of a hard link's earlier file. */
  linkTarget?: string
}

/** Turn a tar header into a RawEntry (not yet path-checked). Throws UNSAFE_PATH for devices. */
export function toRawEntry(header: TarHeader, subject: string): RawEntry {
  const type = entryType(header, subject)
  const raw: RawEntry = { path: header.name, type, mode: (header.mode ?? 0) & 0o7777, size: header.size ?? 0 }
  if (type === 'symlink' || type === 'hardlink') raw.linkTarget = header.linkname ?? ''
  return raw
}

function entryType(header: TarHeader, subject: string): EntryType {
  const type = header.type
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file'
    case 'directory':
      return 'directory'
    case 'symlink':
      return 'symlink'
    case 'link':
      return 'hardlink'
    case 'character-device':
    case 'block-device':
    case 'fifo':
      throw new ZoiError('UNSAFE_PATH', `${subject}: entry '${header.name}' is a ${type}; packages may not contain devices or fifos`)
    default:
      throw new ZoiError('UNSAFE_PATH', `${subject}: entry '${header.name}' has an unsupported tar entry type`)
  }
}
