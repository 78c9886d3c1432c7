/**
 * The tar format itself, read straight off the decoded chunks: 512-byte headers (ustar and GNU,
 * with pax and GNU long names), and content handed on as views of the decoder's own chunks.
 * Why not tar-stream's extractor: its stream machinery (an event, a stream and several promise
 * hops per entry, a queue per chunk) cost as much CPU as zstd itself on archives of many files.
 * The header rules follow tar-stream's decoder (checksum, formats, base-256 sizes, pax `path`,
 * `linkpath` and `size`), so what is accepted did not change. tar-stream still writes archives.
 */

/** A decoded header, as tar-stream names its fields. */
export interface TarHeader {
  name: string
  mode: number
  size: number
  /** tar-stream's type names; null for an unknown type flag. */
  type: string | null
  linkname: string | null
}

const TYPES: Record<number, string> = {
  0: 'file', 1: 'link', 2: 'symlink', 3: 'character-device', 4: 'block-device', 5: 'directory', 6: 'fifo', 7: 'contiguous-file',
  72: 'pax-header', 55: 'pax-global-header', 27: 'gnu-long-link-path', 28: 'gnu-long-path', 30: 'gnu-long-path',
}

/** Long-name and pax headers larger than this are refused (tar-stream's limit). */
export const MAX_META_HEADER = 4 * 1024 * 1024

const text = new TextDecoder()

/** The header in `block` (512 bytes); null for an all-zero block (end-of-archive padding). */
export function decodeHeader(block: Uint8Array): TarHeader | null {
  let sum = 8 * 32
  for (let i = 0; i < 148; i++) sum += block[i]!
  for (let i = 156; i < 512; i++) sum += block[i]!
  if (sum === 8 * 32) return null
  if (sum !== octal(block, 148, 8)) throw new Error('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?')
  let typeflag = block[156] === 0 ? 0 : block[156]! - 48
  let name = str(block, 0, 100)
  if (isMagic(block, 0x00, 0x30, 0x30, false)) {
    if (block[345] !== 0) name = `${str(block, 345, 155)}/${name}`
  } else if (!isMagic(block, 0x20, 0x20, 0x00, true)) {
    throw new Error('Invalid tar header: unknown format.')
  }
  // Old tars mark folders with a trailing slash only.
  if (typeflag === 0 && name.endsWith('/')) typeflag = 5
  return { name, mode: octal(block, 100, 8), size: octal(block, 124, 12), type: TYPES[typeflag] ?? null, linkname: block[157] === 0 ? null : str(block, 157, 100) }
}

/** `ustar\0` + "00" (POSIX) or `ustar ` + " \0" (GNU). */
function isMagic(b: Uint8Array, sixth: number, v1: number, v2: number, gnu: boolean): boolean {
  const ustar = b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 && b[260] === 0x61 && b[261] === 0x72 && b[262] === sixth
  // tar-stream checks no version for POSIX ustar.
  return ustar && (!gnu || (b[263] === v1 && b[264] === v2))
}

/** Pax records `<len> <key>=<value>\n`, as tar-stream reads them. */
export function decodePax(buf: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {}
  while (buf.length > 0) {
    let i = 0
    while (i < buf.length && buf[i] !== 32) i++
    const len = Number.parseInt(text.decode(buf.subarray(0, i)), 10)
    if (!len) return out
    const record = text.decode(buf.subarray(i + 1, len - 1))
    const eq = record.indexOf('=')
    if (eq === -1) return out
    out[record.slice(0, eq)] = record.slice(eq + 1)
    buf = buf.subarray(len)
  }
  return out
}

export function decodeLongName(buf: Uint8Array): string {
  return str(buf, 0, buf.length)
}

function str(b: Uint8Array, offset: number, length: number): string {
  let end = offset
  while (end < offset + length && b[end] !== 0) end++
  return text.decode(b.subarray(offset, end))
}

/** An octal number field (spaces and NULs around it allowed), or base-256 when the top bit is set. */
function octal(b: Uint8Array, offset: number, length: number): number {
  if ((b[offset]! & 0x80) !== 0) return base256(b.subarray(offset, offset + length))
  let i = offset
  const end = offset + length
  while (i < end && b[i] === 32) i++
  let stop = i
  while (stop < end && b[stop] !== 32) stop++
  while (i < stop && b[i] === 0) i++
  if (i === stop) return 0
  // The digits read straight off the bytes (one header has three of these fields): what
  // parseInt(…, 8) would make of them, without decoding a string per field.
  let value = 0
  let at = i
  for (; at < stop; at++) {
    const digit = b[at]! - 48
    if (digit < 0 || digit > 7) break
    value = value * 8 + digit
  }
  return at > i ? value : Number.parseInt(text.decode(b.subarray(i, stop)), 8)
}

function base256(b: Uint8Array): number {
  const positive = b[0] === 0x80
  if (!positive && b[0] !== 0xff) return Number.NaN
  let sum = 0
  for (let i = 1; i < b.length; i++) sum = sum * 256 + (positive ? b[i]! : 0xff - b[i]!)
  return positive ? sum : -sum
}
