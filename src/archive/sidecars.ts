/**
 * The sidecar files beside an archive (SPEC §5): `.hash`, `.size` and `.files`. Writers produce
 * exactly Zoi's formats; parsers accept what Zoi and common tools write and refuse everything
 * else. Sidecars often come from web servers, and an error page must never be read as a hash
 * or a size: a parser either understands every line or throws INTEGRITY.
 */
import { statSync, writeFileSync } from 'node:fs'
import { rename } from 'node:fs/promises'
import { basename } from 'node:path'
import { ZoiError } from '../errors.ts'
import type { ArchiveEntry } from './archive-entry.ts'
import { hashFile, type HashAlgorithm } from './hash-file.ts'
import { splitEntryPath } from './safe-path.ts'

export interface ExpectedHash {
  algorithm: HashAlgorithm
  /** Lower-case hex. */
  hex: string
}

export interface ArchiveSizes {
  /** Bytes of the archive file. */
  down?: number
  /** Bytes of all regular files once installed. */
  install?: number
}

export function sidecarPaths(archivePath: string): { hash: string; size: string; files: string } {
  return { hash: `${archivePath}.hash`, size: `${archivePath}.size`, files: `${archivePath}.files` }
}

/**
 * The `.files` list: every non-directory entry under `data/` (files and symlinks), sorted.
 * Zoi lists regular files only; symlinks are included here because they are installed paths
 * too, and Zoi's reader (trimmed non-empty lines) accepts the longer list unchanged.
 */
export function listDataFiles(entries: readonly ArchiveEntry[]): string[] {
  return entries
    .filter((e) => e.type !== 'directory' && e.path.startsWith('data/'))
    .map((e) => e.path)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** Write `.hash`, `.size` and (given a list) `.files` next to `archivePath`, each atomically. */
export async function writeSidecars(
  archivePath: string,
  /** `zoiFiles`: Zoi's `.zpa.files` form, lines joined with no trailing newline. */
  info: { installBytes: number; files?: readonly string[]; zoiFiles?: boolean },
): Promise<{ sha512: string; down: number; install: number }> {
  const paths = sidecarPaths(archivePath)
  const sha512 = await hashFile(archivePath, 'sha512')
  const down = statSync(archivePath).size
  await writeAtomic(paths.hash, `${sha512}  ${basename(archivePath)}\n`)
  await writeAtomic(paths.size, `down: ${down}\ninstall: ${info.installBytes}\n`)
  // No list (a `.zsa` installs nothing by itself): no `.files`.
  if (info.files) await writeAtomic(paths.files, info.zoiFiles ? info.files.join('\n') : info.files.map((f) => `${f}\n`).join(''))
  return { sha512, down, install: info.installBytes }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  writeFileSync(`${path}.tmp`, text)
  await rename(`${path}.tmp`, path)
}

const HEX_LINE = /^([0-9a-fA-F]+)(?:[ \t]+\*?(.+))?$/
const BSD_LINE = /^(SHA512|SHA256) ?\((.+)\) ?= ?([0-9a-fA-F]+)$/

/**
 * Parse a `.hash` sidecar: a sha512sum/sha256sum line (`<hex>  <name>`, `<hex> *<name>`), a BSD
 * tag line (`SHA512 (name) = <hex>`) or a bare hash. When the file lists several archives, the
 * line naming `archiveName` is used.
 */
export function parseHashSidecar(text: string, options: { archiveName?: string; source?: string } = {}): ExpectedHash {
  const source = options.source ?? 'hash file'
  const lines = contentLines(text, source)
  const parsed = lines.map((line) => {
    const bsd = BSD_LINE.exec(line)
    const hex = bsd ? (bsd[3] as string) : HEX_LINE.exec(line)?.[1]
    const name = bsd ? bsd[2] : HEX_LINE.exec(line)?.[2]
    const algorithm = hex === undefined ? undefined : algorithmOf(hex)
    if (hex === undefined || algorithm === undefined || (bsd && bsd[1]?.toLowerCase() !== algorithm)) {
      throw garbage(source, line, 'a SHA-512 or SHA-256 checksum line')
    }
    return { algorithm, hex: hex.toLowerCase(), name: name?.trim() }
  })
  const wanted = options.archiveName
  const named = wanted === undefined ? undefined : parsed.find((p) => p.name !== undefined && basename(p.name) === wanted)
  const chosen = named ?? (parsed.length === 1 ? parsed[0] : undefined)
  if (chosen === undefined) {
    const what = wanted === undefined ? 'several checksums and no archive name to choose one' : `no checksum for '${wanted}'`
    throw new ZoiError('INTEGRITY', `${source}: has ${what}`)
  }
  return { algorithm: chosen.algorithm, hex: chosen.hex }
}

function algorithmOf(hex: string): HashAlgorithm | undefined {
  if (hex.length === 128) return 'sha512'
  if (hex.length === 64) return 'sha256'
  return undefined
}

/** Parse a `.size` sidecar: `down: N` / `install: N` lines, or one bare number (= down). */
export function parseSizeSidecar(text: string, source = 'size file'): ArchiveSizes {
  const lines = contentLines(text, source)
  if (lines.length === 1 && /^\d+$/.test(lines[0] as string)) return { down: toCount(lines[0] as string, source) }
  const sizes: ArchiveSizes = {}
  for (const line of lines) {
    const m = /^(down|install)[ \t]*:[ \t]*(\d+)$/.exec(line)
    if (!m) throw garbage(source, line, "'down: <bytes>' or 'install: <bytes>'")
    sizes[m[1] as 'down' | 'install'] = toCount(m[2] as string, source)
  }
  return sizes
}

/**
 * Parse a `.files` sidecar: one relative `data/…` path per line (`.pkg.tar.zst`), or one
 * destination per line (`.zpa`: `${pkgstore}/bin/x`, `${usrhome}/.config/x/`, as Zoi writes).
 */
export function parseFilesSidecar(text: string, source = 'file list'): string[] {
  if (text.trim() === '') return []
  return contentLines(text, source).map((line) => {
    const placed = /^\$\{(?:pkgstore|usrroot|usrhome)\}(\/.*)?$/s.exec(line)
    const segments = splitEntryPath(placed ? (placed[1] ?? '').replace(/^\//, '') : line)
    if (placed && typeof segments !== 'string') return line
    if (typeof segments === 'string' || segments[0] !== 'data' || segments.length < 2) {
      throw garbage(source, line, "a relative 'data/…' path or a ${pkgstore}/… destination")
    }
    return segments.join('/')
  })
}

/** Trimmed non-empty lines; refuses binary data and HTML pages before any line is looked at. */
function contentLines(text: string, source: string): string[] {
  const body = text.replace(/^\uFEFF/, '')
  if (body.includes('\0')) throw new ZoiError('INTEGRITY', `${source}: is binary data, not a text sidecar`)
  if (/^\s*</.test(body) || /<(html|body|head|!doctype)\b/i.test(body)) {
    throw new ZoiError('INTEGRITY', `${source}: looks like an HTML page, not a sidecar`, {
      hint: 'the server probably answered with an error page; check the URL or the mirror',
    })
  }
  const lines = body.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')
  if (lines.length === 0) throw new ZoiError('INTEGRITY', `${source}: is empty`)
  return lines
}

function toCount(digits: string, source: string): number {
  const n = Number(digits)
  if (!Number.isSafeInteger(n)) throw new ZoiError('INTEGRITY', `${source}: size ${digits} is out of range`)
  return n
}

function garbage(source: string, line: string, expected: string): ZoiError {
  const shown = JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line)
  return new ZoiError('INTEGRITY', `${source}: unexpected line ${shown}; expected ${expected}`)
}
