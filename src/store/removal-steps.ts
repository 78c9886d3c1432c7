/**
 * What to delete when files leave the root (an uninstall, or an upgrade dropping files), as
 * journal `after` steps: run only once the db no longer records them. Modified backup files
 * are kept as `.zoisave`; a folder goes only if zoi created it, no other package lists it,
 * and it ends up empty. The store folder itself is removed by the caller as a whole.
 */
import type { Layout } from '../platform/layout.ts'
import { contentHash } from './backup-files.ts'
import type { InstalledDb } from './installed-db.ts'
import type { InstalledRow, OwnedFile } from './installed-schema.ts'
import type { AfterStep } from './journal.ts'
import { absolutePath } from './store-paths.ts'

/** `leaving`: ids of every package the change removes or replaces (their listings do not keep a folder). */
export async function removalSteps(layout: Layout, db: InstalledDb, pkg: InstalledRow, files: readonly OwnedFile[], leaving: ReadonlySet<number> = new Set([pkg.id])): Promise<AfterStep[]> {
  const steps: AfterStep[] = []
  const folders: string[] = []
  for (const file of files) {
    if (file.kind === 'pkgstore') continue
    const abs = absolutePath(file, layout)
    if (file.type === 'dir') {
      const sharedWith = db.dirListers(file).filter((p) => p.id !== pkg.id && !leaving.has(p.id))
      if (file.created && sharedWith.length === 0) folders.push(abs)
      continue
    }
    steps.push({ op: (await isModifiedBackup(abs, file)) ? 'save' : 'rm', path: abs })
  }
  // Deepest first, so a parent is tried only after its children went.
  folders.sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
  for (const path of folders) steps.push({ op: 'rmdir', path })
  return steps
}

async function isModifiedBackup(abs: string, file: OwnedFile): Promise<boolean> {
  if (file.hash === null) return false
  const current = await contentHash(abs)
  return current !== null && current !== file.hash
}
