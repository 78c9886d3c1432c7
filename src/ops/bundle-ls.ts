/** `zoi bundle ls`: what a bundle is for and what it holds, from its manifest alone. */
import type { PlannedFile } from '../bundle/manifest.ts'
import { openBundleManifest } from './bundle-open.ts'

export interface BundleListing {
  bundle: string
  sha512: string
  created: string
  zoi: string
  requests: string[]
  platforms: string[]
  registries: { handle: string; url: string; commit: string }[]
  plans: Record<string, PlannedFile[]>
  files: number
  bytes: number
  binaries: string[]
  base?: string
  totals: { download: number; install: number }
}

export async function listBundle(given: string): Promise<BundleListing> {
  const opened = await openBundleManifest(given)
  const m = opened.manifest
  return {
    bundle: given,
    sha512: opened.sha512,
    created: m.created,
    zoi: m.zoi,
    requests: m.requests,
    platforms: m.platforms,
    registries: m.registries.map((r) => ({ handle: r.handle, url: r.url, commit: r.commit })),
    plans: m.plans,
    files: m.files.length,
    bytes: m.files.reduce((n, f) => n + f.size, 0),
    binaries: m.files.filter((f) => f.role === 'zoi').map((f) => f.path.split('/').pop()!),
    ...(m.base ? { base: m.base } : {}),
    totals: m.totals,
  }
}
