/**
 * Rebuilding a lost installed db from the store. Every installed version folder carries its
 * `manifest.yaml` (store-manifest.ts): what was installed, from where, why, and its files as
 * placeholders. When `local.db` is missing or empty (0 bytes, or no package rows) while the
 * store holds packages, the rows are rebuilt from those manifests instead of saying "No
 * packages installed". Not recoverable from manifests: pins, and the folders a package created
 * (left in place on uninstall) and the original hashes of backup files (their current content
 * counts as unmodified).
 */
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ZoiError, describeError } from '../errors.ts'
import type { Layout } from '../platform/layout.ts'
import type { Report } from '../progress.ts'
import { contentHash, isBackupFile } from './backup-files.ts'
import { InstalledDb } from './installed-db.ts'
import type { OwnedFile, PackageRecord } from './installed-schema.ts'
import { newTxid } from './journal.ts'
import { MANIFEST_FILE } from './store-manifest.ts'
import { absolutePath, packageDirName, type FileKind } from './store-paths.ts'

interface FoundManifest {
  dirName: string
  version: string
  file: string
}

/** The manifests of the versions the store's `latest` links point at. */
export function storeManifests(layout: Layout): FoundManifest[] {
  const names = existsSync(layout.storeDir) ? readdirSync(layout.storeDir).sort() : []
  const found: FoundManifest[] = []
  for (const dirName of names) {
    let version: string
    try {
      version = readlinkSync(join(layout.storeDir, dirName, 'latest'))
    } catch {
      continue
    }
    const file = join(layout.storeDir, dirName, version, MANIFEST_FILE)
    if (existsSync(file)) found.push({ dirName, version, file })
  }
  return found
}

/** Whether the db records no package while the store holds some (never opens or creates the db). */
export function dbIsLost(layout: Layout): boolean {
  if (!existsSync(layout.storeDir) || readdirSync(layout.storeDir).length === 0) return false
  const file = layout.installedDb
  const empty = !existsSync(file) || statSync(file).size === 0 || countRows(file) === 0
  return empty && storeManifests(layout).length > 0
}

/** Rebuild the rows of a lost db from the store manifests; returns the names recorded. The caller holds the lock. */
export async function rebuildLostDb(layout: Layout, report: Report): Promise<string[]> {
  if (!dbIsLost(layout)) return []
  const txid = newTxid()
  const installs = await Promise.all(storeManifests(layout).map((m, i) => fromManifest(layout, m, `${txid}.${i}`)))
  const db = InstalledDb.open(layout.installedDb)
  try {
    if (db.list().length > 0) return []
    db.commitChangeset(txid, installs, [])
  } finally {
    db.close()
  }
  const names = installs.map((i) => i.record.name)
  report({ kind: 'warn', text: `${layout.installedDb} had lost its records: rebuilt them from the store manifests of ${names.join(', ')} (pins are not restored)` })
  return names
}

function countRows(file: string): number | null {
  try {
    const db = InstalledDb.open(file)
    try {
      return db.list().length
    } finally {
      db.close()
    }
  } catch {
    return null
  }
}

type Manifest = Record<string, unknown>
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [])

async function fromManifest(layout: Layout, found: FoundManifest, txid: string): Promise<{ record: PackageRecord; files: OwnedFile[] }> {
  let m: Manifest
  try {
    m = (await import('yaml')).parse(readFileSync(found.file, 'utf8')) as Manifest
  } catch (e) {
    throw new ZoiError('INTEGRITY', `cannot read ${found.file} to rebuild ${layout.installedDb}: ${describeError(e)}`, { cause: e })
  }
  const record: PackageRecord = {
    handle: String(m.registry ?? ''),
    repo: String(m.repo ?? ''),
    name: String(m.name ?? ''),
    version: String(m.version ?? found.version),
    revision: String(m.revision ?? '1'),
    platform: String(m.platform ?? ''),
    reason: m.reason === 'dependency' ? 'dependency' : 'direct',
    subs: list(m.sub_packages),
    bins: list(m.bins),
    backup: list(m.backup),
    dependencies: list((m.dependencies as Manifest | undefined)?.runtime),
    provides: list(m.provides),
    conflicts: list(m.conflicts),
    replaces: list(m.replaces),
    installMethod: String(m.install_method ?? 'pre-compiled'),
    archiveSha512: m.archive_sha512 == null ? null : String(m.archive_sha512),
    installedSize: Number(m.installed_size ?? 0),
    txid,
  }
  if (packageDirName(record) !== found.dirName) {
    throw new ZoiError('INTEGRITY', `${found.file} describes ${record.name} of #${record.handle}@${record.repo}, not the store folder it is in`, {
      hint: `remove ${join(layout.storeDir, found.dirName)} or repair the manifest, then run zoi again`,
    })
  }
  const files: OwnedFile[] = []
  const add = async (kind: FileKind, path: string, backupKind?: 'usrroot' | 'usrhome', rel?: string) => {
    const abs = absolutePath({ kind, path }, layout)
    const st = lstatOrNull(abs)
    if (!st || files.some((f) => f.kind === kind && f.path === path)) return
    const hash = backupKind && rel !== undefined && isBackupFile(record.backup, backupKind, rel) ? await contentHash(abs) : null
    files.push({ kind, path, type: st.isSymbolicLink() ? 'link' : 'file', created: false, hash })
  }
  const versionPath = `${found.dirName}/${found.version}`
  await add('pkgstore', `${versionPath}/${MANIFEST_FILE}`)
  await add('pkgstore', `${found.dirName}/latest`)
  for (const entry of list(m.installed_files)) {
    const at = /^\$\{(pkgstore|usrroot|usrhome)\}\/(.+)$/.exec(entry)
    if (!at) continue
    const [, kind, rel] = at as unknown as [string, 'pkgstore' | 'usrroot' | 'usrhome', string]
    if (kind === 'pkgstore') await add('pkgstore', `${versionPath}/${rel}`)
    else await add(kind, rel, kind, rel)
  }
  for (const bin of record.bins) {
    const link = absolutePath({ kind: 'bin', path: bin }, layout)
    const target = (() => {
      try {
        return readlinkSync(link)
      } catch {
        return ''
      }
    })()
    if (target.includes(`/${found.dirName}/latest/`)) files.push({ kind: 'bin', path: bin, type: 'link', created: false, hash: null })
  }
  return { record, files }
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path)
  } catch {
    return null
  }
}

