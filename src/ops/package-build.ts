/**
 * `zoi package build`: build archives from a definition with this run's network edge and
 * reporter; with `--sign`, each archive also gets a binary detached `<archive>.sig` (what Zoi's
 * `gpg --detach-sign` writes, and what `gpg --verify` and zoi's install check read).
 */
import { readFile } from 'node:fs/promises'
import { buildPackage, type BuiltArchive } from '../build/index.ts'
import type { Context } from '../context.ts'
import { ZoiError, errnoCode } from '../errors.ts'
import { writeFileAtomic } from '../platform/fs.ts'
import { signDetached } from '../trust/index.ts'

export interface PackageBuildOptions {
  definition: string
  outputDir?: string
  platforms: string[]
  versionOverride?: string
  subs: string[]
  buildType?: string
  sourceDateEpoch?: number
  /** `--sign <secret.asc>`; the passphrase is asked for only when the key is protected. */
  sign?: { keyFile: string; passphrase: () => Promise<string> }
}

export interface SignedBuild extends BuiltArchive {
  /** The `.sig` written beside the archive, with `--sign`. */
  signature?: string
  signer?: string
}

export async function buildArchives(ctx: Context, opts: PackageBuildOptions): Promise<SignedBuild[]> {
  const { sign, ...build } = opts
  // Read the key before building: a typo in --sign should not cost a whole build.
  const keyData = sign && (await readFile(sign.keyFile).catch((e: unknown) => {
    throw new ZoiError(errnoCode(e) === 'ENOENT' ? 'NOT_FOUND' : 'PERMISSION', `cannot read secret key '${sign.keyFile}': ${errnoCode(e) ?? e}`)
  }))
  const built = await buildPackage({ ...build, net: ctx.net, report: ctx.report })
  if (!sign || !keyData) return built
  let passphrase: Promise<string> | undefined
  const key = { source: sign.keyFile, data: keyData, passphrase: () => (passphrase ??= sign.passphrase()) }
  const out: SignedBuild[] = []
  for (const b of built) {
    const { signature, fingerprint } = await signDetached(await readFile(b.path), key)
    await writeFileAtomic(`${b.path}.sig`, signature)
    out.push({ ...b, signature: `${b.path}.sig`, signer: fingerprint })
  }
  return out
}
