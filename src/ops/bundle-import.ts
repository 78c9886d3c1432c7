/**
 * `zoi bundle import` and `zoi install --from`: bringing a verified bundle into a root. The
 * registry comes in through the same path as a sync from a local repository (staged, then
 * swapped in whole), with the bundle's index beside it; archives go through `cache add`'s
 * validation; the import is recorded under the bundle's SHA-512 so that an increment can check
 * its base. Every file is checked against the manifest first: nothing changes if one is wrong.
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { checkFiles } from '../bundle/bundle-files.ts'
import { BUNDLE_DIRS, type BundleManifest } from '../bundle/manifest.ts'
import { addToCache } from '../cache/index.ts'
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { loadConfig } from '../config/index.ts'
import { makeStagingDir, writeFileAtomic } from '../platform/fs.ts'
import { withLock } from '../platform/lock.ts'
import { syncClone } from '../registry/git.ts'
import { recordRegistriesInConfig } from './bundle.ts'
import { checkManifestSignature, importBundleKeys, importBundleSources } from './bundle-extras.ts'
import { MISSING_BASE_HINT, missingBase } from './bundle-chain.ts'
import { withBundles, type OpenedBundle } from './bundle-open.ts'
import { installPackages, type InstallResult } from './install.ts'

export interface BundleImportResult {
  bundle: string
  sha512: string
  registries: { handle: string; commit: string }[]
  archives: number
  sources: number
  keys: number
  signer?: string
}

/**
 * One bundle, or a chain oldest first (a full bundle, then increments on top of it): every
 * bundle is checked — signature, files, each increment's base before it or imported here —
 * before anything changes; then each is brought in, in order.
 */
export async function importBundle(ctx: Context, paths: readonly string[], opts: { keys?: readonly string[] } = {}): Promise<BundleImportResult[]> {
  return withBundles(ctx, paths, async (chain) => {
    const signers = await checkChain(ctx, chain, opts.keys)
    return await withLock(ctx.layout.lockFile, async () => {
      const out: BundleImportResult[] = []
      for (const [i, bundle] of chain.entries()) {
        const registries = await importRegistries(ctx, bundle)
        const archives = await importArchives(ctx, bundle)
        const sources = await importBundleSources(ctx, bundle.root)
        const keys = await importBundleKeys(ctx, bundle.root)
        await recordImport(ctx, bundle)
        const signer = signers[i]
        out.push({ bundle: paths[i]!, sha512: bundle.sha512, registries, archives, sources, keys, ...(signer ? { signer } : {}) })
      }
      return out
    })
  })
}

/**
 * `install <source…> --from <bundle>` (repeatable: a base and its increments, oldest first): the
 * registry comes in (the new root can manage itself offline afterwards); archives are read from
 * the bundles, not copied into the cache. A dry run resolves against the bundled registry in a
 * throw-away db folder and changes nothing.
 */
export async function installFromBundle(ctx: Context, paths: readonly string[], sources: readonly string[], opts: { dryRun?: boolean; force?: boolean }): Promise<InstallResult> {
  return withBundles(ctx, paths, (chain) => installFromChain(ctx, chain, sources, opts))
}

async function installFromChain(ctx: Context, chain: readonly OpenedBundle[], sources: readonly string[], opts: { dryRun?: boolean; force?: boolean }): Promise<InstallResult> {
  await checkChain(ctx, chain)
  const scratch = opts.dryRun ? await makeStagingDir(ctx.layout.tmpDir, 'from-') : undefined
  try {
    const layout = scratch ? { ...ctx.layout, dbDir: scratch, fallbackDbDirs: [], configWriteFile: join(scratch, 'config.yaml') } : ctx.layout
    const target = { ...ctx, layout }
    const bringIn = async () => {
      for (const bundle of chain) await importRegistries(target, bundle)
    }
    if (scratch) await bringIn()
    else await withLock(ctx.layout.lockFile, bringIn)
    // The import named the bundle's registries in the config: read it again.
    const config = await loadConfig(scratch ? [...layout.configFiles, layout.configWriteFile] : layout.configFiles)
    const pkgDirs = [...chain.map((b) => join(b.root, BUNDLE_DIRS.archives)).reverse(), ...ctx.pkgDirs]
    const requests = sources.length > 0 ? sources : chain[chain.length - 1]!.manifest.requests
    return await installPackages({ ...target, config, pkgDirs }, requests, opts)
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true })
  }
}

/** checkOrThrow of each bundle of a chain, the ones before it being its possible base; the signers. */
async function checkChain(ctx: Context, chain: readonly OpenedBundle[], keys: readonly string[] = []): Promise<(string | undefined)[]> {
  const signers: (string | undefined)[] = []
  for (const [i, bundle] of chain.entries()) signers.push(await checkOrThrow(ctx, bundle, keys, chain.slice(0, i)))
  return signers
}

/**
 * Quick verification: the signature (when signed, or under enforcement), every file's size and
 * SHA-512, nothing extra, and the base imported before or among `earlier` (the bundles given
 * before this one). Returns the verified signer.
 */
export async function checkOrThrow(ctx: Context, bundle: OpenedBundle, keys: readonly string[] = [], earlier: readonly OpenedBundle[] = []): Promise<string | undefined> {
  const signature = await checkManifestSignature(ctx, bundle.root, bundle.manifest.created, keys)
  if (signature.problem) throw new ZoiError('INTEGRITY', `bundle ${bundle.path}: ${signature.problem}`, { hint: "pass the signer's public key with --key <file.asc>, or import it with 'zoi key add'" })
  if (signature.warning) ctx.report({ kind: 'warn', text: signature.warning })
  const problems = await checkFiles(bundle.root, bundle.manifest)
  if (problems.length > 0) {
    throw new ZoiError('INTEGRITY', `bundle ${bundle.path} failed verification:\n${problems.map((p) => `  ${p.detail}`).join('\n')}`, {
      hint: 'copy the bundle again, or make a new one on the online machine',
    })
  }
  const base = missingBase(ctx, bundle, earlier)
  if (base) throw new ZoiError('REFUSED', `bundle ${base}`, { hint: MISSING_BASE_HINT })
  return signature.signer
}

/** Each registry: its bare repository synced into `<db>/<handle>` (atomic), then its index. */
export async function importRegistries(ctx: Context, bundle: OpenedBundle): Promise<{ handle: string; commit: string }[]> {
  const out: { handle: string; commit: string }[] = []
  await mkdir(ctx.layout.dbDir, { recursive: true })
  for (const r of bundle.manifest.registries) {
    ctx.report({ kind: 'phase', phase: 'bundle', text: `Importing registry ${r.handle} at ${r.commit.slice(0, 12)}` })
    const synced = await syncClone({ url: join(bundle.root, r.git), dir: join(ctx.layout.dbDir, r.handle), net: ctx.net, report: ctx.report })
    if (synced.head !== r.commit) {
      throw new ZoiError('INTEGRITY', `bundle ${bundle.path}: registry ${r.handle} is at ${synced.head.slice(0, 12)}, the manifest says ${r.commit.slice(0, 12)}`)
    }
    const db = join(ctx.layout.dbDir, `${r.handle}.db`)
    await copyFile(join(bundle.root, r.index), `${db}.tmp`)
    for (const s of ['-wal', '-shm']) await rm(`${db}${s}`, { force: true })
    await rename(`${db}.tmp`, db)
    out.push({ handle: r.handle, commit: r.commit })
  }
  await recordRegistriesInConfig(ctx, bundle.manifest.registries.map((r) => ({ handle: r.handle, url: r.url, default: r.default, packages: 0 })))
  return out
}

async function importArchives(ctx: Context, bundle: OpenedBundle): Promise<number> {
  const dir = join(bundle.root, BUNDLE_DIRS.archives)
  if (!existsSync(dir)) return 0
  const files = (await readdir(dir)).filter((n) => /\.(pkg\.tar\.zst|zpa|zsa)$/.test(n)).map((n) => join(dir, n))
  if (files.length === 0) return 0
  return (await addToCache(files, { cacheDir: ctx.layout.cacheDir, report: ctx.report })).length
}

async function recordImport(ctx: Context, bundle: OpenedBundle): Promise<void> {
  await mkdir(ctx.layout.bundlesDir, { recursive: true })
  await writeFileAtomic(join(ctx.layout.bundlesDir, `${bundle.sha512}.json`), bundle.text)
}

export type { BundleManifest }
