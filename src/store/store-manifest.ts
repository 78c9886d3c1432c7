/**
 * `manifest.yaml` in an installed version folder (SPEC §6): what was installed, from where and
 * why, with its files as placeholders (`${pkgstore}/…`, `${usrroot}/…`, `${usrhome}/…`) so the
 * folder describes itself wherever the root is later mounted. Lists are sorted, as Zoi's are.
 */
import { existsSync } from 'node:fs'
import { copyFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ZoiError } from '../errors.ts'
import type { Scope } from '../platform/layout.ts'
import type { PackageRecord } from './installed-schema.ts'

export const MANIFEST_FILE = 'manifest.yaml'

export interface ManifestInput {
  record: PackageRecord
  scope: Scope
  installedFiles: string[]
  /** The definition to copy beside the manifest, and the name it keeps. */
  definition: { path: string; name: string } | null
}

/** Write the manifest and the definition copy into the (still staged) version folder; returns the names written. */
export async function writeStoreManifest(versionDir: string, input: ManifestInput): Promise<string[]> {
  const { record: r } = input
  const reserved = [MANIFEST_FILE, ...(input.definition ? [input.definition.name] : [])]
  for (const name of reserved) {
    if (existsSync(join(versionDir, name))) {
      throw new ZoiError('CONFLICT', `the archive of '${r.name}' ships pkgstore/${name}, which zoi writes itself`)
    }
  }
  const sorted = (list: readonly string[]) => [...list].sort()
  const manifest = {
    name: r.name,
    version: r.version,
    revision: r.revision,
    repo: r.repo,
    registry: r.handle,
    reason: r.reason,
    scope: input.scope,
    platform: r.platform,
    install_method: r.installMethod,
    sub_packages: sorted(r.subs),
    bins: sorted(r.bins),
    provides: sorted(r.provides),
    conflicts: sorted(r.conflicts),
    replaces: sorted(r.replaces),
    backup: sorted(r.backup),
    dependencies: { runtime: sorted(r.dependencies) },
    archive_sha512: r.archiveSha512,
    installed_size: r.installedSize,
  }
  await writeFile(join(versionDir, MANIFEST_FILE), await manifestText(manifest, sorted(input.installedFiles)))
  if (input.definition) await copyFile(input.definition.path, join(versionDir, input.definition.name))
  return reserved
}

/**
 * A placeholder path that YAML writes plainly (no quotes, no folding: there is no space), so its
 * list item is `  - <path>`, byte for byte what the yaml library writes.
 */
const PLAIN_PATH = /^\$\{(?:pkgstore|usrroot|usrhome)\}\/[A-Za-z0-9._+@/-]+$/

/**
 * The manifest as YAML, `installed_files` last. Why not one yaml.stringify: the library builds
 * and inspects a node per list item, half a second for 50,000 files; plain paths are written
 * here instead and anything else still goes through the library.
 */
export async function manifestText(fields: Record<string, unknown>, installedFiles: readonly string[]): Promise<string> {
  const { stringify } = await import('yaml')
  if (installedFiles.length === 0) return stringify({ ...fields, installed_files: [] })
  const items = installedFiles.map((f) => (PLAIN_PATH.test(f) ? `  - ${f}\n` : stringify([f]).replace(/^(?=.)/gm, '  ')))
  return `${stringify(fields)}installed_files:\n${items.join('')}`
}
