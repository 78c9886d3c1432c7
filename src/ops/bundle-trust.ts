/**
 * What a registry bundle (`sync export|import`) carries for OpenPGP trust: the keyring's
 * `.asc` files under `pgps/` and each registry's `authorities`. On import, a registry that
 * already has anchors here must have its bundled HEAD signed by them — checked with the keyring
 * as it was BEFORE the bundle's keys are added, so a bundle can never vouch for itself.
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RegistryRef } from '../config/index.ts'
import type { Context } from '../context.ts'
import { isZoiError } from '../errors.ts'
import { headCommit } from '../registry/git.ts'
import { verifyCommit } from '../registry/index.ts'
import { addKey, anchorKeys, anchorsForRef, loadKeyring } from '../trust/index.ts'

export const BUNDLE_KEYS_DIR = 'pgps'

/** Copy every keyring file (the first folder wins for a name) into `<staging>/pgps/`. */
export async function exportKeys(ctx: Context, staging: string): Promise<number> {
  const seen = new Set<string>()
  for (const dir of ctx.layout.pgpDirs) {
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      if (!f.endsWith('.asc') || seen.has(f)) continue
      seen.add(f)
      await mkdir(join(staging, BUNDLE_KEYS_DIR), { recursive: true })
      await copyFile(join(dir, f), join(staging, BUNDLE_KEYS_DIR, f))
    }
  }
  return seen.size
}

/** The configured registry an imported one corresponds to (same URL or handle). */
function configured(ctx: Context, e: { handle: string; url: string }): RegistryRef | undefined {
  return [ctx.config.default_registry, ...ctx.config.added_registries].find((r) => r.url === e.url || (r.handle !== '' && r.handle === e.handle))
}

/** With anchors configured for it, the bundled clone's HEAD must be signed by one of them. */
export async function verifyBundledHead(ctx: Context, unpacked: string, e: { handle: string; url: string }): Promise<void> {
  const anchors = anchorsForRef(ctx.config, configured(ctx, e), e.handle)
  if (anchors === undefined) return
  const ring = await loadKeyring(ctx.layout.pgpDirs)
  const keys = anchorKeys(ring, anchors, `registry '${e.handle}'`)
  const dir = join(unpacked, e.handle)
  await verifyCommit(join(dir, '.git'), await headCommit(dir), { label: e.handle, keys, ring })
}

/** Add the bundle's keys to the keyring; a name already holding another key is kept (warning). */
export async function importKeys(ctx: Context, unpacked: string): Promise<void> {
  const dir = join(unpacked, BUNDLE_KEYS_DIR)
  if (!existsSync(dir)) return
  for (const f of (await readdir(dir)).filter((f) => f.endsWith('.asc'))) {
    try {
      await addKey(ctx.layout.pgpDir, await readFile(join(dir, f)), { source: `bundle key ${f}`, name: f.slice(0, -'.asc'.length) })
    } catch (e) {
      if (!isZoiError(e)) throw e
      ctx.report({ kind: 'warn', text: `bundle key ${f} not imported: ${e.message}` })
    }
  }
}

/** Authorities are only ever added (a bundle can make trust stricter, never looser). */
export function mergeAuthorities(current: readonly string[] | undefined, bundled: readonly string[] | undefined): string[] | undefined {
  const all = [...new Set([...(current ?? []), ...(bundled ?? [])])]
  return all.length ? all : undefined
}
