/**
 * Verifying an archive before the caller changes anything (SPEC §7 step 3): zstd magic, size when
 * known, then the checksum. Which checksum counts is decided once, by `pickHash`: the index facts,
 * else a `.hash` sidecar beside the archive, else the `.hash` downloaded with it; SHA-512 is
 * preferred, SHA-256 accepted. A bad file that zoi owns (cache, fresh download) is deleted with
 * its sidecars so the next run fetches it afresh; a bad file in a pkg-dir is never touched.
 */
import { open, rm, stat } from 'node:fs/promises'
import { hashFile, sidecarPaths, type ExpectedHash, type HashAlgorithm } from '../archive/index.ts'
import { ZoiError, describeError } from '../errors.ts'
import type { Report } from '../progress.ts'

export type HashOrigin = 'index' | 'sidecar' | 'download'

export interface KnownHash extends ExpectedHash {
  origin: HashOrigin
  /** Where it was read, for messages: `index`, a sidecar path, a (redacted) URL. */
  source: string
}

/** What the registry index knows about an archive (synced sidecars, SPEC §3). */
export interface IndexFacts {
  sha512?: string
  sha256?: string
  size?: number
}

export interface VerifyOptions {
  fileName: string
  hash?: KnownHash
  size?: { bytes: number; source: string }
  /** The registry declares `hash:` links: an archive with no known checksum is refused. */
  hashRequired: boolean
  /** The file belongs to zoi (cache or a fresh download): delete it, with its sidecars, if bad. */
  removeIfBad: boolean
  /** How messages name the file; default its path (a download names its URL instead). */
  subject?: string
  report: Report
  /**
   * Check everything but the checksum, which the caller takes in its own read of the archive
   * (install hashes while extracting: one read instead of two); see `Verification.pending`.
   */
  deferHash?: boolean
}

export interface Verification {
  bytes: number
  /** The checksum the archive matched (or, with `pending`, must match); undefined when none was known (and none was required). */
  hash?: KnownHash
  /** With `deferHash`: the checksum is not checked yet; `hash` is what the caller's read must find. */
  pending?: PendingHash
}

export interface PendingHash {
  hash: KnownHash
  /** The caller's read found `actual`: the same INTEGRITY error (and bad-copy removal) as a failed verification. */
  mismatch(actual: string): Promise<never>
}

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd]

/** The index's checksum for `fileName`, SHA-512 preferred; malformed index data is INTEGRITY. */
export function indexHash(fileName: string, facts: IndexFacts | undefined): KnownHash | undefined {
  const pick = facts?.sha512 !== undefined ? (['sha512', facts.sha512, 128] as const)
    : facts?.sha256 !== undefined ? (['sha256', facts.sha256, 64] as const)
    : undefined
  if (pick === undefined) return undefined
  const [algorithm, hex, length] = pick
  if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(hex)) {
    throw new ZoiError('INTEGRITY', `the index holds a malformed ${algorithm} for ${fileName}: '${hex}'`, {
      hint: "run 'zoi sync' to rebuild the index",
    })
  }
  return { algorithm, hex: hex.toLowerCase(), origin: 'index', source: 'the registry index' }
}

/** The first known checksum in priority order: index, sidecar beside, downloaded sidecar. */
export function pickHash(...inOrder: (KnownHash | undefined)[]): KnownHash | undefined {
  return inOrder.find((h) => h !== undefined)
}

export async function verifyArchive(path: string, options: VerifyOptions): Promise<Verification> {
  const { fileName } = options
  const fail = async (message: string): Promise<never> => {
    if (options.removeIfBad) await removeWithSidecars(path)
    throw new ZoiError('INTEGRITY', message, {
      hint: options.removeIfBad
        ? `the bad copy '${path}' was removed; run the command again to download a fresh one, or add a good copy with 'zoi cache add'`
        : `replace '${path}' with a good copy of ${fileName}`,
      data: { file: fileName, path },
    })
  }
  const subject = options.subject ?? `'${path}'`

  const bytes = (await stat(path)).size
  if (!(await hasZstdMagic(path))) return fail(`${fileName} is not a zstd archive (${subject} lacks the magic 28 b5 2f fd)`)
  if (options.size !== undefined && options.size.bytes !== bytes) {
    return fail(`size mismatch for ${fileName}: expected ${options.size.bytes} bytes (from ${options.size.source}), ${subject} has ${bytes}`)
  }

  const expected = options.hash
  if (expected === undefined) {
    if (options.hashRequired) {
      // FIX for Zoi's "Unsupported hash length: 0": say what is missing and how to provide it.
      throw new ZoiError('INTEGRITY', `no checksum known for ${fileName} ('${path}'), and its registry requires one`, {
        hint: `run 'zoi sync' online to store the registry's checksums, or put ${fileName}.hash (sha512sum output) beside the archive`,
        data: { file: fileName, path },
      })
    }
    options.report({ kind: 'warn', text: `no checksum known for ${fileName}; using it unverified`, code: 'UNVERIFIED' })
    return { bytes }
  }
  const mismatch = (actual: string) =>
    fail(
      `checksum mismatch for ${fileName} (${subject}):\n` +
        `expected ${expected.algorithm} ${expected.hex} (from ${expected.source})\n` +
        `actual   ${expected.algorithm} ${actual}`,
    )
  if (options.deferHash) return { bytes, hash: expected, pending: { hash: expected, mismatch } }
  const actual = await hashFile(path, expected.algorithm)
  if (actual !== expected.hex) return mismatch(actual)
  return { bytes, hash: expected }
}

/** The SHA-512 to record in a `.hash` sidecar; reuses the verified digest when it is one. */
export async function sha512Of(path: string, verified: { algorithm: HashAlgorithm; hex: string } | undefined): Promise<string> {
  return verified?.algorithm === 'sha512' ? verified.hex : hashFile(path, 'sha512')
}

export async function hasZstdMagic(path: string): Promise<boolean> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw new ZoiError('INTERNAL', `cannot read '${path}': ${describeError(e)}`, { cause: e })
  })
  try {
    const head = new Uint8Array(4)
    const { bytesRead } = await fh.read(head, 0, 4, 0)
    return bytesRead === 4 && ZSTD_MAGIC.every((b, i) => head[i] === b)
  } finally {
    await fh.close()
  }
}

export async function removeWithSidecars(archivePath: string): Promise<void> {
  const s = sidecarPaths(archivePath)
  // The `.sig` goes too: it described the bad copy and would only confuse the next one.
  await Promise.all([archivePath, s.hash, s.size, s.files, `${archivePath}.sig`].map((p) => rm(p, { force: true })))
}
