/**
 * Sizes for a plan a person can judge (pacman's "Total Installed Size"): what each step
 * downloads and installs, and what the version it replaces takes today. The index knows
 * sizes from `.size` sidecars fetched at sync; an archive already on this machine (a pkg-dir,
 * the cache) answers from its own `.size` sidecar, or at least its file size.
 */
import { statSync } from 'node:fs'
import { locateArchive } from '../cache/index.ts'
import type { Context } from '../context.ts'
import type { InstalledRow } from '../store/index.ts'
import type { PlannedInstall } from './install.ts'

export async function completePlanSizes(ctx: Context, planned: PlannedInstall[], held: readonly InstalledRow[], pkgDirs: readonly string[]): Promise<void> {
  for (const p of planned) {
    const old = held.find((r) => r.handle === p.registry && r.repo === p.repo && r.name === p.name)
    if (old) {
      p.oldVersion = old.version
      p.oldInstallSize = old.installedSize
    }
    if (p.downSize === undefined || p.installSize === undefined) {
      const found = await locateArchive({ fileName: p.archive, pkgDirs, cacheDir: ctx.layout.cacheDir }).catch(() => undefined)
      if (found) {
        p.downSize ??= found.sidecars.size?.down ?? statSync(found.path).size
        p.installSize ??= found.sidecars.size?.install
      }
    }
    // Sidecars count every byte in the archive, the installed db the files placed: a reinstall
    // of the same version must not look like growth, so it is compared with itself.
    if (old && old.version === p.version && p.installSize !== undefined) p.oldInstallSize = p.installSize
  }
}
