/**
 * `zoi check [pkg…]`: every installed file compared with what was recorded at install (sha256,
 * mode, link target), like `apk audit` / `nix-store --verify`. Read-only.
 */
import { existsSync } from 'node:fs'
import type { Context } from '../context.ts'
import { checkFiles, InstalledDb, type PackageCheck } from '../store/index.ts'
import { installedName, installedScopes } from './installed.ts'
import { unknownPackage } from './suggest.ts'

export async function checkInstalled(ctx: Context, given: readonly string[]): Promise<PackageCheck[]> {
  const wanted = given.map(installedName)
  const found = new Set<string>()
  const out: PackageCheck[] = []
  for (const layout of installedScopes(ctx)) {
    if (!existsSync(layout.installedDb)) continue
    const db = InstalledDb.open(layout.installedDb)
    try {
      for (const row of db.list()) {
        if (wanted.length > 0 && !wanted.includes(row.name)) continue
        found.add(row.name)
        out.push(checkFiles(db, layout, row))
      }
    } finally {
      db.close()
    }
  }
  const missing = wanted.findIndex((n) => !found.has(n))
  if (missing >= 0) throw unknownPackage(given[missing]!, 'is not installed', found, "see 'zoi list'")
  return out
}
