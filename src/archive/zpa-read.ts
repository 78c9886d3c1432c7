/**
 * Reading what a `.zpa` says about itself without extracting it: its `manifest.json`, and the
 * `.files` list of either format (Zoi's destinations for a `.zpa`, `data/…` paths otherwise).
 */
import type { ArchiveEntry } from './archive-entry.ts'
import { listDataFiles } from './sidecars.ts'
import { readArchiveMember } from './tar-read.ts'
import { parseZpaManifest, zpaFileList, type ZpaManifest } from './zpa-manifest.ts'

/** A `.zpa` is told apart by its content: a `manifest.json` at the root (as Zoi's installer does). */
export function isZpaListing(entries: readonly ArchiveEntry[]): boolean {
  return entries.some((e) => e.type === 'file' && e.path === 'manifest.json')
}

export async function readZpaManifest(archivePath: string): Promise<ZpaManifest | undefined> {
  const bytes = await readArchiveMember(archivePath, 'manifest.json')
  return bytes === undefined ? undefined : parseZpaManifest(new TextDecoder().decode(bytes), archivePath)
}

/** The `.files` lines for an archive whose entries were listed already. */
export async function archiveFileList(archivePath: string, entries: readonly ArchiveEntry[]): Promise<string[]> {
  if (!isZpaListing(entries)) return listDataFiles(entries)
  const manifest = await readZpaManifest(archivePath)
  return manifest ? zpaFileList(manifest) : []
}
