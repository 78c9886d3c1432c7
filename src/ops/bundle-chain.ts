/**
 * Bundles given together, oldest first: a full bundle and the increments made on top of it with
 * `--since`. `bundle verify` and `bundle import` take such a chain, so an increment can be
 * proven — by a real install — and brought in with its base alongside, not only after the base
 * was imported. An increment's base must come earlier in the chain or have been imported here;
 * in the latter case the files it inherits are this machine's copies (bundle-local.ts), each
 * checked against the SHA-512 the increment lists, so a lone increment is proven the same way.
 */
import { existsSync } from 'node:fs'
import { mkdir, symlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Context } from '../context.ts'
import type { LocalCopies } from './bundle-local.ts'
import type { OpenedBundle } from './bundle-open.ts'

/** Why `bundle`'s base is not available (undefined when it is, or when it is a full bundle). */
export function missingBase(ctx: Context, bundle: OpenedBundle, earlier: readonly OpenedBundle[]): string | undefined {
  const base = bundle.manifest.base
  if (!base || earlier.some((b) => b.sha512 === base) || importedHere(ctx, base)) return undefined
  return `${bundle.path} is an increment of bundle ${base.slice(0, 16)}…, which was never imported here and is not given before it`
}

export const MISSING_BASE_HINT = "import the base bundle first, or name it before the increment: 'zoi bundle import <base> <increment>'"

function importedHere(ctx: Context, sha512: string): boolean {
  return existsSync(join(ctx.layout.bundlesDir, `${sha512}.json`))
}

/**
 * The whole tree the last bundle of the chain describes — its own files, and those it inherits,
 * found in the earlier bundles with the same SHA-512 (symlinked) or, when the chain rests on a
 * base imported here, as this machine's checked copies (`local`) — under `into`: a folder every
 * reader of a full bundle takes. Returns what neither the chain nor this machine has.
 */
export async function assembleChain(chain: readonly OpenedBundle[], into: string, local?: LocalCopies): Promise<string[]> {
  const last = chain[chain.length - 1]!
  const missing: string[] = []
  const place = async (from: string, path: string) => {
    await mkdir(dirname(join(into, path)), { recursive: true })
    await symlink(from, join(into, path))
  }
  for (const f of last.manifest.files) await place(join(last.root, f.path), f.path)
  for (const f of last.manifest.inherited ?? []) {
    const holder = chain.slice(0, -1).findLast((b) => b.manifest.files.some((g) => g.path === f.path && g.sha512 === f.sha512))
    if (holder) await place(join(holder.root, f.path), f.path)
    else if (!local) missing.push(`${f.path}, inherited from the base, is in no bundle given before ${last.path}`)
    else {
      const why = await local(f, join(into, f.path))
      if (why) missing.push(why)
    }
  }
  return missing
}
