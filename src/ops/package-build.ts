/**
 * `zoi package build|bundle`: build archives from a definition or a `.zsa` source bundle (whose
 * prepare() output is used instead of running prepare()), and bundle a definition's sources,
 * with this run's network edge, source cache and reporter. With `--sign`, each archive also gets a binary
 * detached `<archive>.sig` (what Zoi's `gpg --detach-sign` writes, and what `gpg --verify` and
 * zoi's install check read).
 */
import { readFile, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { ARCHIVE_FORMATS, buildPackage, bundleSource, unpackBundle, type ArchiveFormat, type BuiltArchive, type BuiltBundle } from '../build/index.ts'
import type { Context } from '../context.ts'
import { ZoiError, errnoCode } from '../errors.ts'
import { makeStagingDir, writeFileAtomic } from '../platform/fs.ts'
import { signDetached, type SigningKey } from '../trust/index.ts'

export interface PackageBuildOptions {
  /** A `.pkg.lua`, or a `.zsa` source bundle. */
  definition: string
  outputDir?: string
  platforms: string[]
  versionOverride?: string
  subs: string[]
  buildType?: string
  sourceDateEpoch?: number
  /** `--sign <secret.asc>`; the passphrase is asked for only when the key is protected. */
  sign?: { keyFile: string; passphrase: () => Promise<string> }
  format?: ArchiveFormat
  /** Run prepare() only, filling the source cache (`zoi source fetch`). */
  prepareOnly?: boolean
  /** Folders put on cmd()'s PATH (after zoi's `git`): the bin folder holding installed build dependencies. */
  toolDirs?: string[]
}

export interface SignedBuild extends BuiltArchive {
  /** The `.sig` written beside the archive, with `--sign`. */
  signature?: string
  signer?: string
}

export function isBundlePath(path: string): boolean {
  return path.toLowerCase().endsWith('.zsa')
}

export async function buildArchives(ctx: Context, opts: PackageBuildOptions): Promise<SignedBuild[]> {
  const { sign, ...build } = opts
  // Read the key before building: a typo in --sign should not cost a whole build.
  const key = sign && (await signingKey(sign))
  const built = await buildUnsigned(ctx, build)
  if (!key) return built
  const out: SignedBuild[] = []
  for (const b of built) out.push({ ...b, ...(await signFile(b.path, key)) })
  return out
}

type SigningKeyFile = NonNullable<PackageBuildOptions['sign']>

async function signingKey(sign: SigningKeyFile): Promise<SigningKey> {
  const data = await readFile(sign.keyFile).catch((e: unknown) => {
    throw new ZoiError(errnoCode(e) === 'ENOENT' ? 'NOT_FOUND' : 'PERMISSION', `cannot read secret key '${sign.keyFile}': ${errnoCode(e) ?? e}`)
  })
  let passphrase: Promise<string> | undefined
  return { source: sign.keyFile, data, passphrase: () => (passphrase ??= sign.passphrase()) }
}

/** A binary detached `<file>.sig` beside `path`. */
async function signFile(path: string, key: SigningKey): Promise<{ signature: string; signer: string }> {
  const { signature, fingerprint } = await signDetached(await readFile(path), key)
  await writeFileAtomic(`${path}.sig`, signature)
  return { signature: `${path}.sig`, signer: fingerprint }
}

async function buildUnsigned(ctx: Context, opts: Omit<PackageBuildOptions, 'sign'>): Promise<BuiltArchive[]> {
  const sourceCache = sourceCacheOf(ctx)
  if (!isBundlePath(opts.definition)) return buildPackage({ ...opts, net: ctx.net, sourceCache, report: ctx.report })
  const bundle = resolve(opts.definition)
  const temp = await makeStagingDir(ctx.layout.tmpDir, 'zsa-')
  try {
    const unpacked = await unpackBundle(bundle, join(temp, 'src'))
    ctx.report({ kind: 'info', text: `building from the source bundle ${bundle} (prepare() skipped)` })
    return await buildPackage({
      ...opts,
      definition: unpacked.definition,
      // As Zoi: next to the bundle unless told otherwise.
      outputDir: opts.outputDir ?? dirname(bundle),
      prepared: unpacked.dir,
      net: ctx.net,
      sourceCache,
      report: ctx.report,
      tempDir: ctx.layout.tmpDir,
    })
  } finally {
    await rm(temp, { recursive: true, force: true })
  }
}

export async function bundleSources(
  ctx: Context,
  opts: { definition: string; outputDir?: string; versionOverride?: string; buildType?: string; sourceDateEpoch?: number; sign?: SigningKeyFile },
): Promise<BuiltBundle & { signature?: string; signer?: string }> {
  const { sign, ...rest } = opts
  const key = sign && (await signingKey(sign))
  const built = await bundleSource({ ...rest, net: ctx.net, sourceCache: sourceCacheOf(ctx), report: ctx.report })
  return key ? { ...built, ...(await signFile(built.path, key)) } : built
}

/** Every build-time fetch goes through this run's source cache (SPEC §11). */
function sourceCacheOf(ctx: Context): { dir: string; mirrors: readonly string[] } {
  return { dir: ctx.layout.sourceCacheDir, mirrors: ctx.config.source_mirrors }
}

/** The format a registry's archive name asks for: Zoi's `.zpa` when its links name one. */
export function formatOfName(fileName: string): ArchiveFormat {
  return fileName.endsWith('.zpa') ? 'zpa' : 'pkg.tar.zst'
}

/** `--format pkg.tar.zst|zpa` (a leading dot is accepted). */
export function parseArchiveFormat(given: string | undefined): ArchiveFormat | undefined {
  if (given === undefined) return undefined
  const format = given.replace(/^\./, '') as ArchiveFormat
  if (!ARCHIVE_FORMATS.includes(format)) throw new ZoiError('USAGE', `--format must be ${ARCHIVE_FORMATS.join(' or ')}, not '${given}'`)
  return format
}
