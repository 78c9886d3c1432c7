/**
 * This machine's copies of the files an imported bundle brought, for `bundle verify` of an
 * increment whose base was imported here (not given alongside): where `bundle import` put each
 * file the increment inherits, copied into the throw-away tree the test install reads and
 * checked there against the SHA-512 the increment's manifest lists.
 *
 * Where an import puts what (bundle-import.ts):
 * - `archives/<name>` and its sidecars → `addToCache` → `<cacheDir>/<name>` (a flat folder; the
 *   `.hash`/`.size`/`.files` sidecars are written in the same format `bundle create` writes them,
 *   a `.sig` is copied as is);
 * - `<registry git>/objects/pack/pack-*.{pack,idx}` → `syncClone` of the bundled bare repository
 *   into `<dbDir>/<handle>`, whose `copyObjects` keeps pack file names →
 *   `<dbDir>/<handle>/.git/objects/pack/<name>` (the handle is the manifest registry's whose `git`
 *   path the file lies under);
 * - `sources/sha512/<hex>`, `sources/by-url/<key>` → `sourceAdd` → `<sourceCacheDir>/sha512/<hex>`:
 *   the cache is content-addressed, so a file whose SHA-512 is S is `sha512/S` whatever its
 *   name in the bundle; `sources/git/<key>.git/{objects,refs}/…` → the same path under
 *   `<sourceCacheDir>` (copyObjects keeps object file names; refs are written as `<oid>\n` on
 *   both sides); the repository's other files are each machine's own and not read by the test;
 * - `sources/index.json` is rewritten per machine (it lists this machine's sources, with the
 *   packages that used them), so no copy of the base's bytes exists: it is rebuilt from this
 *   machine's index, restricted to the sources the increment's listing names (each of those is
 *   itself found and hash-checked here). Only its URL → file mapping comes from this machine.
 * - `zoi/` (binaries) and `keys/` are not read by the test install (it neither runs the bundled
 *   zoi nor imports keys), so they are not assembled and need no copy here.
 */
import { constants } from 'node:fs'
import { copyFile, mkdir, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { hashFile } from '../archive/index.ts'
import { BUNDLE_DIRS, roleOf, type BundleFile, type BundleManifest } from '../bundle/manifest.ts'
import { parseArchiveName } from '../cache/index.ts'
import type { Layout } from '../platform/layout.ts'
import { blobPath, MIRROR_PATHS, readIndex, updateIndex } from '../sources/index.ts'

export const SOURCE_INDEX = `${BUNDLE_DIRS.sources}/index.json`

/**
 * Places `file` (inherited) at `dest` from this machine; returns why it cannot (undefined when
 * it was placed, or when the test install does not read it).
 */
export type LocalCopies = (file: BundleFile, dest: string) => Promise<string | undefined>

/** Where an inherited file lies on this machine, or `unused` when the test install does not read it. */
export function localPathOf(layout: Pick<Layout, 'cacheDir' | 'dbDir' | 'sourceCacheDir'>, manifest: Pick<BundleManifest, 'registries'>, file: BundleFile): { path: string; where: string } | 'unused' | undefined {
  const [top, ...rest] = file.path.split('/')
  if (top === BUNDLE_DIRS.zoi || top === BUNDLE_DIRS.keys) return 'unused'
  if (top === BUNDLE_DIRS.archives && rest.length === 1) return { path: join(layout.cacheDir, rest[0]!), where: "not in the archive cache: removed by 'zoi cache clear'?" }
  if (top === BUNDLE_DIRS.sources) {
    const where = 'not in the source cache: removed by \'zoi source clear\'?'
    if (rest[0] === 'sha512' || rest[0] === 'by-url') return { path: blobPath(layout.sourceCacheDir, file.sha512), where }
    // A git source: the test import (importGitSource) reads its objects and branch and tag refs
    // only; HEAD, config, description and hooks are set by each machine's own init and import.
    const inRepo = rest[0] === 'git' ? rest.slice(2) : []
    if (inRepo.length > 0 && !['objects', 'refs', 'packed-refs'].includes(inRepo[0]!)) return 'unused'
    return { path: join(layout.sourceCacheDir, ...rest), where }
  }
  for (const r of manifest.registries) {
    const pack = file.path.startsWith(`${r.git}/objects/pack/`) ? file.path.slice(`${r.git}/objects/pack/`.length) : ''
    if (pack !== '' && !pack.includes('/')) {
      return { path: join(layout.dbDir, r.handle, '.git', 'objects', 'pack', pack), where: `not in the clone of registry ${r.handle}: synced or repacked since?` }
    }
  }
  return undefined
}

/** The lookup `assembleChain` uses for files no bundle of the chain carries. */
export function localCopies(layout: Pick<Layout, 'cacheDir' | 'dbDir' | 'sourceCacheDir'>, manifest: BundleManifest): LocalCopies {
  const failedArchives: string[] = []
  const find = placeFrom(layout, manifest)
  return async (file, dest) => {
    // The sidecars of an archive already reported go unsaid (one line per archive, not five);
    // verify fails on the archive's line, so nothing unchecked can pass.
    if (failedArchives.some((a) => file.path.startsWith(`${a}.`))) return undefined
    const why = await find(file, dest)
    if (why && roleOf(file.path) === 'archive' && parseArchiveName(basename(file.path))) failedArchives.push(file.path)
    return why
  }
}

function placeFrom(layout: Pick<Layout, 'cacheDir' | 'dbDir' | 'sourceCacheDir'>, manifest: BundleManifest): LocalCopies {
  return async (file, dest) => {
    if (file.path === SOURCE_INDEX) {
      rebuildSourceIndex(layout.sourceCacheDir, manifest, dirname(dest))
      return undefined
    }
    const local = localPathOf(layout, manifest, file)
    if (local === 'unused') return undefined
    const named = `${file.path}, inherited from the base,`
    if (!local) return `${named} has no place on this machine where an import keeps it`
    const st = await stat(local.path).catch(() => undefined)
    if (!st?.isFile()) return `${named} is not on this machine as the base brought it (${local.where})`
    const differs = `${named} differs on this machine from what the base brought (${local.path} was changed since the import)`
    if (st.size !== file.size) return differs
    // A copy, never a link: the test install can write nothing through it into the real cache,
    // db or source cache, and the copy is what is hashed, so what the install reads is exactly
    // what was checked even if the original changes meanwhile. FICLONE makes it a reflink where
    // the filesystem can (tmpDir lies beside the caches); else it costs one copy of the file.
    await mkdir(dirname(dest), { recursive: true })
    try {
      await copyFile(local.path, dest, constants.COPYFILE_FICLONE)
    } catch {
      return `${named} cannot be read at ${local.path}`
    }
    return (await hashFile(dest, 'sha512')) === file.sha512 ? undefined : differs
  }
}

/** `sources/index.json` for the tree: this machine's entries for the sources the listing names. */
function rebuildSourceIndex(sourceCacheDir: string, manifest: BundleManifest, into: string): void {
  const listed = [...manifest.files, ...(manifest.inherited ?? [])].map((f) => f.path)
  const paths = new Set(listed)
  const here = readIndex(sourceCacheDir)
  updateIndex(into, (index) => {
    for (const [url, entry] of Object.entries(here.urls)) if (paths.has(MIRROR_PATHS.blob(entry.sha512))) index.urls[url] = entry
    for (const [url, entry] of Object.entries(here.git)) {
      const repo = MIRROR_PATHS.git(url)
      if (listed.some((p) => p.startsWith(`${repo}/`))) index.git[url] = { ...entry, repo: repo.slice(`${BUNDLE_DIRS.sources}/`.length) }
    }
  })
}
