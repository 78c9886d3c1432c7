/**
 * Turning a plan step into what fetching and applying need: the archive file name, where it
 * may be downloaded from, what the index knows about it (hash, sizes), and for registry
 * packages the definition a source build would use.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { FetchItem } from '../cache/index.ts'
import type { Context } from '../context.ts'
import { hostPlatform, platformString } from '../platform/arch.ts'
import { archiveCandidates, archiveNameFor, parseRepoYaml, type PkgLink, type RegistrySet } from '../registry/index.ts'
import type { PlanStep } from '../resolve/index.ts'
import type { PlannedInstall } from './install.ts'
import { archiveSignaturePolicy } from './archive-trust.ts'
import { LOCAL_HANDLE, type LocalArchive } from './local-archive.ts'

export interface PreparedStep {
  step: PlanStep
  item: FetchItem
  planned: PlannedInstall
  bins: string[]
  backup: string[]
  /** Registry packages: the definition in the registry clone, for a source build. */
  definition?: string
  /** Registry packages: the `.zsa` a source build uses when it can be found (source-* links). */
  bundle?: FetchItem
  /** The registry names download links (`pkg:`) for pre-built archives. */
  prebuilt: boolean
}

/** The archive a plan step needs, where it may come from, and what the index says about it. */
export function prepareStep(ctx: Context, catalog: RegistrySet, locals: readonly LocalArchive[], step: PlanStep): PreparedStep {
  const pkg = step.pkg
  const local = locals.find((l) => l.pkg === pkg || (l.pkg.name === pkg.name && pkg.handle === LOCAL_HANDLE))
  if (local) {
    return {
      step,
      bins: local.bins,
      backup: local.backup,
      prebuilt: true,
      item: { fileName: local.fileName, candidates: [], hashRequired: false, signature: archiveSignaturePolicy(ctx, LOCAL_HANDLE) },
      planned: { action: step.action, name: pkg.name, version: pkg.version, registry: LOCAL_HANDLE, repo: pkg.repo, reason: step.reason, archive: local.fileName, downSize: statSync(local.path).size },
    }
  }
  const registry = catalog.find(pkg.handle)!
  const row = registry.index.packagesByName(pkg.name, pkg.repo).find((r) => r.repo === pkg.repo)
  const platform = hostPlatform()
  const ref = { name: pkg.name, version: pkg.version, repo: pkg.repo, os: platform.os, arch: platform.arch }
  const links = pkgLinks(registry.dbDir, pkg.handle)
  // Zoi's rule: the file is named by the link (`…/hello-5.0.0-linux-amd64.zpa`).
  const fileName = archiveNameFor(links, ref)
  const binary = links.filter((l) => l.type === 'main' || l.type === 'mirror')
  const facts = registry.index.archiveFacts(pkg.repo, pkg.name, pkg.version, platformString(platform))
  return {
    step,
    bins: row?.bins ?? [],
    backup: row?.backup ?? [],
    definition: row ? join(registry.dbDir, pkg.handle, row.path) : undefined,
    bundle: sourceBundleItem(ctx, catalog, pkg),
    prebuilt: binary.length > 0,
    item: {
      fileName,
      candidates: archiveCandidates(links, ctx.config.cache_mirrors, ref),
      expected: facts ? { sha512: facts.sha512, sha256: facts.sha256, size: facts.downSize } : undefined,
      hashRequired: binary.some((l) => l.hash !== undefined),
      signature: archiveSignaturePolicy(ctx, pkg.handle, join(registry.dbDir, pkg.handle)),
    },
    planned: {
      action: step.action,
      name: pkg.name,
      version: pkg.version,
      registry: pkg.handle,
      repo: pkg.repo,
      reason: step.reason,
      archive: fileName,
      downSize: facts?.downSize,
      installSize: facts?.installSize,
    },
  }
}

/**
 * The `.zsa` source bundle of a registry package (SPEC §9): its name from the `source-main` link,
 * candidates `source-main`, then `source-mirror`, then cache_mirrors. Undefined when the registry
 * names no source links.
 */
export function sourceBundleItem(ctx: Context, catalog: RegistrySet, pkg: PlanStep['pkg']): FetchItem | undefined {
  const registry = catalog.find(pkg.handle)
  if (!registry) return undefined
  const links = pkgLinks(registry.dbDir, pkg.handle)
  const source = links.filter((l) => l.type === 'source-main' || l.type === 'source-mirror')
  if (source.length === 0) return undefined
  const platform = hostPlatform()
  const ref = { name: pkg.name, version: pkg.version, repo: pkg.repo, os: platform.os, arch: platform.arch }
  return {
    fileName: archiveNameFor(links, ref, true),
    candidates: archiveCandidates(links, ctx.config.cache_mirrors, ref, true),
    hashRequired: source.some((l) => l.hash !== undefined),
  }
}

const linkCache = new Map<string, PkgLink[]>()

/** The registry's `pkg:` links, from the repo.yaml of its clone. */
function pkgLinks(dbDir: string, handle: string): PkgLink[] {
  const file = join(dbDir, handle, 'repo.yaml')
  let links = linkCache.get(file)
  if (!links) {
    links = existsSync(file) ? parseRepoYaml(readFileSync(file, 'utf8'), file).pkg : []
    linkCache.set(file, links)
  }
  return links
}

