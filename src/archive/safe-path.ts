/**
 * Archive entry checks as pure string logic (no IO), modelled on node-tar's CHECKPATH.
 * Every entry of an archive passes through one EntryGuard, in archive order, before anything
 * touches the disk (extract) or is reported (list, member read). The guard remembers what the
 * archive has created so far, because most escapes need two entries: a link, then a write through it.
 */
import { ZoiError } from '../errors.ts'
import type { ArchiveEntry, EntryType } from './archive-entry.ts'
import { SymlinkMap, type Escape } from './symlink-map.ts'

/** node-tar's default; deeper trees are almost certainly hostile and strain the filesystem. */
const MAX_DEPTH = 1024
/** Linux PATH_MAX: longer paths cannot be created anyway, and the bound keeps checks cheap. */
const MAX_PATH = 4096

export interface RawEntry {
  path: string
  type: EntryType
  mode: number
  size: number
  linkTarget?: string
}

/**
 * Split an entry or link path into clean segments, or return a reason to refuse it.
 * `./`, `//` and `.` segments are dropped (Zoi writes no `./`, GNU tar may).
 */
export function splitEntryPath(raw: string): string[] | string {
  if (raw.length > MAX_PATH) return `is longer than ${MAX_PATH} characters`
  if (raw.includes('\0')) return 'contains a NUL byte'
  // A backslash is a separator on Windows, so `..\x` would escape there: refuse it everywhere.
  if (raw.includes('\\')) return 'contains a backslash'
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) return 'is an absolute path'
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.')
  if (segments.includes('..')) return "contains a '..' segment"
  if (segments.length > MAX_DEPTH) return `is deeper than ${MAX_DEPTH} levels`
  return segments
}

/** The normalised form of an entry path (`./data//x/` → `data/x`); throws UNSAFE_PATH. */
export function normalizeEntryPath(raw: string, subject = 'archive'): string {
  const segments = splitEntryPath(raw)
  if (typeof segments === 'string') throw unsafe(subject, raw, segments)
  return segments.join('/')
}

/**
 * Key for "is this the same path on disk": case-folded and NFC-normalised, so that on
 * case-insensitive or normalising filesystems (macOS, Windows) `A` and `a/x` are seen as one path.
 */
function fold(path: string): string {
  return path.normalize('NFC').toLowerCase()
}

const ESCAPE_TEXT: Record<Escape, string> = {
  outside: 'outside the archive root',
  loop: 'into a symlink loop',
  'too-complex': 'through too many links to check',
}

export class EntryGuard {
  readonly #subject: string
  readonly #dirs = new Set<string>()
  /** Non-directory entries (exact paths): a second entry at the same path is refused. */
  readonly #nodes = new Set<string>()
  /** Regular files seen so far: the only legal hard-link targets. */
  readonly #files = new Set<string>()
  /** Folded keys of every path the archive has created, of any kind. */
  readonly #known = new Set<string>()
  readonly #symlinks = new SymlinkMap((key) => this.#known.has(key))

  /** `subject` names the archive in error messages. */
  constructor(subject: string) {
    this.#subject = subject
  }

  /**
   * Check one entry and record it. Returns the normalised entry, or null for the archive root
   * itself (`.` / `./`), which carries nothing to extract. Throws ZoiError UNSAFE_PATH.
   */
  admit(raw: RawEntry): ArchiveEntry | null {
    const segments = splitEntryPath(raw.path)
    if (typeof segments === 'string') throw unsafe(this.#subject, raw.path, segments)
    const path = segments.join('/')
    if (path === '') {
      if (raw.type !== 'directory') throw unsafe(this.#subject, raw.path, 'replaces the extraction root')
      return null
    }
    this.#checkParents(raw.path, path)
    if (raw.type === 'directory') {
      if (this.#nodes.has(path)) throw unsafe(this.#subject, raw.path, 'turns an earlier file or link into a directory')
      this.#addDir(path)
      return { path, type: 'directory', mode: raw.mode, size: 0 }
    }
    if (this.#dirs.has(path)) throw unsafe(this.#subject, raw.path, 'replaces an earlier directory')
    if (this.#nodes.has(path)) throw unsafe(this.#subject, raw.path, 'appears twice in the archive')

    let linkTarget: string | undefined
    if (raw.type === 'symlink') linkTarget = this.#admitSymlink(raw, segments)
    if (raw.type === 'hardlink') linkTarget = this.#admitHardlink(raw)
    const key = fold(path)
    this.#nodes.add(path)
    this.#known.add(key)
    if (raw.type !== 'symlink') this.#symlinks.settle(key)
    if (raw.type === 'file' || raw.type === 'hardlink') this.#files.add(path)
    const size = raw.type === 'file' ? raw.size : 0
    return linkTarget === undefined
      ? { path, type: raw.type, mode: raw.mode, size }
      : { path, type: raw.type, mode: raw.mode, size, linkTarget }
  }

  /**
   * Parents become directories; none may be a file or (in any letter case) a symlink. Walks up
   * from the nearest parent and stops at a known directory: its ancestors were checked when it was
   * recorded, and a recorded directory can never become anything else.
   */
  #checkParents(raw: string, path: string): void {
    const fresh: string[] = []
    for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
      const parent = path.slice(0, cut)
      if (this.#dirs.has(parent)) break
      // Writing below a symlink entry would follow it, wherever it points: the classic escape.
      if (this.#symlinks.has(fold(parent))) throw unsafe(this.#subject, raw, `goes through the symlink '${parent}'`)
      if (this.#nodes.has(parent)) throw unsafe(this.#subject, raw, `goes through the file '${parent}'`)
      fresh.push(parent)
    }
    for (const parent of fresh) this.#addDir(parent)
  }

  #addDir(path: string): void {
    const key = fold(path)
    this.#dirs.add(path)
    this.#known.add(key)
    this.#symlinks.settle(key)
  }

  #admitSymlink(raw: RawEntry, segments: string[]): string {
    const target = raw.linkTarget ?? ''
    const refuse = (reason: string) => unsafe(this.#subject, raw.path, reason)
    if (target === '') throw refuse('is a symlink without a target')
    if (target.length > MAX_PATH) throw refuse(`has a link target longer than ${MAX_PATH} characters`)
    if (target.includes('\0')) throw refuse('has a link target with a NUL byte')
    if (target.includes('\\')) throw refuse('has a link target with a backslash')
    if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) {
      throw refuse(`is a symlink to the absolute path '${target}', outside the archive root`)
    }
    const key = fold(segments.join('/'))
    // Another letter case of an existing entry: the same path on macOS and Windows.
    if (this.#known.has(key)) throw refuse('is a symlink at the path of an earlier entry (differing only in letter case)')
    const base = segments.slice(0, -1).map(fold)
    const problem = this.#symlinks.add(key, base, fold(target).split('/'))
    if (problem?.link === key) throw refuse(`is a symlink to '${target}', which leads ${ESCAPE_TEXT[problem.result]}`)
    if (problem) throw refuse(`is a symlink that sends the earlier link '${problem.link}' ${ESCAPE_TEXT[problem.result]}`)
    return target
  }

  #admitHardlink(raw: RawEntry): string {
    const target = splitEntryPath(raw.linkTarget ?? '')
    if (typeof target === 'string') throw unsafe(this.#subject, raw.path, `is a hard link whose target ${target}`)
    const targetPath = target.join('/')
    // Only an earlier regular file of this archive: anything else could be a host file.
    if (!this.#files.has(targetPath)) {
      throw unsafe(this.#subject, raw.path, `is a hard link to '${raw.linkTarget ?? ''}', which is not an earlier file of the archive`)
    }
    return targetPath
  }
}

function unsafe(subject: string, path: string, reason: string): ZoiError {
  const shown = JSON.stringify(path).slice(1, -1)
  return new ZoiError('UNSAFE_PATH', `${subject}: entry '${shown}' ${reason}`, {
    hint: 'the archive tries to write outside its destination; it was not extracted',
  })
}
