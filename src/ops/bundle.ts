/**
 * Registry bundles (`zoi sync export|import <file.tar.zst>`): the seed's "registry bundling"
 * made safe. Export writes every synced registry (git clone + index) with a `bundle.yaml`
 * naming them, as a reproducible archive with a `.hash` beside it. Import verifies the hash,
 * extracts into staging with the archive reader's path checks, validates each registry, then
 * swaps each one into `<db>/` and records it in the config.
 */
import { existsSync } from 'node:fs'
import { cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { extractArchive, hashFile, parseHashSidecar, writeArchive } from '../archive/index.ts'
import { updateConfigFile, withoutCredentials, type RegistryRef } from '../config/index.ts'
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { makeStagingDir, swapDirectory, writeFileAtomic } from '../platform/fs.ts'
import { withLock } from '../platform/lock.ts'
import { IndexDb, isRegistryHandle, ownGitdir, parseRepoYaml } from '../registry/index.ts'
import { exportKeys, importKeys, mergeAuthorities, verifyBundledHead } from './bundle-trust.ts'
import { openCatalog } from './registries.ts'

const FORMAT = 'zoi-registry-bundle'

export interface BundleEntry {
  handle: string
  url: string
  default: boolean
  packages: number
  /** The registry's trust anchors where this bundle was made. */
  authorities?: string[]
}

export async function exportRegistries(ctx: Context, file: string): Promise<{ file: string; registries: BundleEntry[]; sha512: string }> {
  const out = resolve(file)
  if (!(await stat(dirname(out)).catch(() => undefined))?.isDirectory()) {
    throw new ZoiError('NOT_FOUND', `cannot write '${file}': folder ${dirname(out)} does not exist`, { hint: `create it first: mkdir -p '${dirname(out)}'` })
  }
  const catalog = openCatalog(ctx)
  const anchorsOf = (url: string) => [ctx.config.default_registry, ...ctx.config.added_registries].find((c) => c.url === url)?.authorities
  // A bundle is a file that travels: registry URLs go into it without credentials.
  const registries = catalog.registries.map((r) => ({
    handle: r.handle, url: withoutCredentials(r.url), default: r.isDefault, packages: r.index.packageCount(), dbDir: r.dbDir,
    ...(anchorsOf(r.url) ? { authorities: anchorsOf(r.url) } : {}),
  }))
  catalog.close()
  if (registries.length === 0) throw new ZoiError('NOT_FOUND', 'no synced registry to export', { hint: "run 'zoi sync' first" })
  const staging = await makeStagingDir(ctx.layout.tmpDir, 'export-')
  try {
    for (const r of registries) {
      // Opening for write and closing checkpoints the WAL, so the .db file alone is complete.
      IndexDb.open(join(r.dbDir, `${r.handle}.db`)).close()
      await cp(join(r.dbDir, r.handle), join(staging, r.handle), { recursive: true, verbatimSymlinks: true })
      await cp(join(r.dbDir, `${r.handle}.db`), join(staging, `${r.handle}.db`))
    }
    await exportKeys(ctx, staging)
    const entries = registries.map(({ dbDir: _, ...e }) => e)
    await writeFile(join(staging, 'bundle.yaml'), (await import('yaml')).stringify({ format: FORMAT, version: 1, registries: entries }))
    await writeArchive(out, staging)
    const sha512 = await hashFile(out, 'sha512')
    await writeFileAtomic(`${out}.hash`, `${sha512}  ${basename(out)}\n`)
    return { file: out, registries: entries, sha512 }
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

export async function importRegistries(ctx: Context, file: string): Promise<{ registries: BundleEntry[] }> {
  const path = resolve(file)
  if (!existsSync(path)) throw new ZoiError('NOT_FOUND', `bundle '${file}' does not exist`)
  if (existsSync(`${path}.hash`)) {
    const expected = parseHashSidecar(await readFile(`${path}.hash`, 'utf8'), { archiveName: basename(path), source: `${path}.hash` })
    const actual = await hashFile(path, expected.algorithm)
    if (actual !== expected.hex) throw new ZoiError('INTEGRITY', `${path}: checksum mismatch (expected ${expected.hex}, got ${actual})`, { hint: 'copy the bundle again' })
  } else {
    ctx.report({ kind: 'warn', text: `${basename(path)} has no .hash beside it; its archive checks are all that verify it` })
  }
  return withLock(ctx.layout.lockFile, async () => {
    const staging = await makeStagingDir(ctx.layout.tmpDir, 'import-')
    try {
      const unpacked = join(staging, 'bundle')
      await extractArchive(path, unpacked)
      const entries = await readBundleYaml(path, unpacked)
      for (const e of entries) await checkRegistry(path, unpacked, e)
      for (const e of entries) await verifyBundledHead(ctx, unpacked, e)
      // The clones came whole, .git included: keep only what zoi writes there (no hooks, its config).
      for (const e of entries) await ownGitdir(join(unpacked, e.handle, '.git'), e.url)
      await importKeys(ctx, unpacked)
      await mkdir(ctx.layout.dbDir, { recursive: true })
      for (const e of entries) {
        await swapDirectory(join(unpacked, e.handle), join(ctx.layout.dbDir, e.handle))
        for (const s of ['-wal', '-shm']) await rm(join(ctx.layout.dbDir, `${e.handle}.db${s}`), { force: true })
        await rename(join(unpacked, `${e.handle}.db`), join(ctx.layout.dbDir, `${e.handle}.db`))
      }
      await recordRegistriesInConfig(ctx, entries)
      return { registries: entries }
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
  })
}

async function readBundleYaml(path: string, dir: string): Promise<BundleEntry[]> {
  const bad = (why: string) => new ZoiError('INTEGRITY', `${basename(path)}: not a registry bundle (${why})`, { hint: "make one with 'zoi sync export <file>'" })
  const text = await readFile(join(dir, 'bundle.yaml'), 'utf8').catch(() => {
    throw bad('no bundle.yaml')
  })
  let doc: { format?: unknown; registries?: unknown } | null
  try {
    doc = (await import('yaml')).parse(text, { maxAliasCount: 100 }) as typeof doc
  } catch {
    throw bad('bundle.yaml is not valid YAML')
  }
  if (doc?.format !== FORMAT || !Array.isArray(doc.registries) || doc.registries.length === 0) throw bad('bundle.yaml is not a bundle description')
  return doc.registries.map((r: Record<string, unknown>) => {
    if (typeof r.handle !== 'string' || !isRegistryHandle(r.handle) || typeof r.url !== 'string') throw bad(`bad registry entry ${JSON.stringify(r)}`)
    const authorities = Array.isArray(r.authorities) ? r.authorities.filter((a): a is string => typeof a === 'string') : undefined
    return { handle: r.handle, url: r.url, default: r.default === true, packages: Number(r.packages) || 0, ...(authorities?.length ? { authorities } : {}) }
  })
}

/** Each registry in the bundle must be a clone with a matching repo.yaml and a readable index. */
async function checkRegistry(path: string, dir: string, e: BundleEntry): Promise<void> {
  const where = `${basename(path)}: registry '${e.handle}'`
  if (!existsSync(join(dir, e.handle, '.git'))) throw new ZoiError('INTEGRITY', `${where} has no git clone`)
  const repo = parseRepoYaml(await readFile(join(dir, e.handle, 'repo.yaml'), 'utf8').catch(() => ''), `${where}/repo.yaml`)
  if (repo.handle !== e.handle) throw new ZoiError('INTEGRITY', `${where} holds registry '${repo.handle}'`)
  const index = IndexDb.open(join(dir, `${e.handle}.db`), { readonly: true })
  try {
    index.packageCount()
  } catch {
    throw new ZoiError('INTEGRITY', `${where} has an unreadable index`)
  } finally {
    index.close()
  }
}

/** The bundle's default becomes ours when ours is unsynced or the same URL; others are added. */
export async function recordRegistriesInConfig(ctx: Context, entries: BundleEntry[]): Promise<void> {
  await updateConfigFile(ctx.layout.configWriteFile, (cur) => {
    const current = cur.default_registry ?? ctx.config.default_registry
    const added: RegistryRef[] = [...(cur.added_registries ?? [])]
    let def: RegistryRef | undefined
    for (const e of entries) {
      const same = (r: RegistryRef) => r.url === e.url || r.handle === e.handle
      const withAnchors = (r: RegistryRef | undefined): RegistryRef => {
        const authorities = mergeAuthorities(r?.authorities, e.authorities)
        return { handle: e.handle, url: e.url, ...(authorities ? { authorities } : {}) }
      }
      const takeDefault = e.default && (current.handle === '' || current.handle === e.handle || current.url === e.url)
      if (takeDefault) def = withAnchors(same(current) ? current : undefined)
      else if (added.some(same)) {
        const k = added.findIndex(same)
        const authorities = mergeAuthorities(added[k]!.authorities, e.authorities)
        if (authorities) added[k] = { ...added[k]!, authorities }
      }
      else if (current.handle !== e.handle) added.push(withAnchors(undefined))
    }
    return { ...(def ? { default_registry: def } : {}), added_registries: added }
  })
}
