/**
 * `zoi bundle verify`: proves, with no network, that a bundle will install on the far side —
 * before anyone carries it there. Every file against the manifest (size, SHA-512, nothing
 * missing, nothing extra, the base of an increment imported here); then, unless `--quick`, a
 * real install of the requests for this machine's platform into a throw-away HOME and root
 * with the network edge closed, and for every other platform a resolution from the bundled
 * registry whose archives must all be on board.
 */
import { existsSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { checkFiles } from '../bundle/bundle-files.ts'
import { BUNDLE_DIRS } from '../bundle/manifest.ts'
import { loadConfig } from '../config/index.ts'
import type { Context } from '../context.ts'
import { isZoiError } from '../errors.ts'
import { bareReader } from '../mirror/index.ts'
import { hostPlatform, parsePlatform, platformString } from '../platform/arch.ts'
import { makeStagingDir } from '../platform/fs.ts'
import { layoutFor } from '../platform/layout.ts'
import { createNet } from '../platform/net.ts'
import { checkManifestSignature, importBundleSources } from './bundle-extras.ts'
import { importRegistries } from './bundle-import.ts'
import { openBundle, type OpenedBundle } from './bundle-open.ts'
import { planForPlatform } from './bundle-plan.ts'
import { installPackages } from './install.ts'

export interface VerifyProblem {
  /** 'integrity' → exit 6; 'missing' → exit 4. */
  kind: 'integrity' | 'missing'
  detail: string
}

export interface BundleVerifyResult {
  bundle: string
  sha512: string
  files: number
  /** Platforms whose install was simulated or whose plan was re-resolved. */
  installed: string[]
  resolved: string[]
  problems: VerifyProblem[]
  /** Who signed bundle.json (verified), or a warning when unsigned. */
  signer?: string
  warnings: string[]
  exitCode: number
}

export async function verifyBundle(ctx: Context, given: string, opts: { quick?: boolean; keys?: readonly string[] } = {}): Promise<BundleVerifyResult> {
  const bundle = await openBundle(ctx, given)
  try {
    const problems: VerifyProblem[] = []
    const warnings: string[] = []
    const signature = await checkManifestSignature(ctx, bundle.root, bundle.manifest.created, opts.keys ?? [])
    if (signature.problem) problems.push({ kind: 'integrity', detail: signature.problem })
    if (signature.warning) warnings.push(signature.warning)
    ctx.report({ kind: 'phase', phase: 'verify', text: `Checking ${bundle.manifest.files.length} files`, total: bundle.manifest.files.length })
    for (const p of await checkFiles(bundle.root, bundle.manifest, (done, total) => ctx.report({ kind: 'advance', phase: 'verify', loaded: done, total }))) {
      problems.push({ kind: p.kind === 'missing' ? 'missing' : 'integrity', detail: p.detail })
    }
    if (bundle.manifest.base) problems.push(...baseProblems(ctx, bundle))
    const installed: string[] = []
    const resolved: string[] = []
    if (!opts.quick && problems.length === 0) {
      const host = platformString(hostPlatform())
      for (const platform of bundle.manifest.platforms) {
        const found = platform === host && !bundle.manifest.base ? await simulateInstall(ctx, bundle) : await resolveFromBundle(ctx, bundle, platform)
        problems.push(...found)
        ;(platform === host && !bundle.manifest.base ? installed : resolved).push(platform)
      }
    }
    const exitCode = problems.some((p) => p.kind === 'integrity') ? 6 : problems.length > 0 ? 4 : 0
    return { bundle: given, sha512: bundle.sha512, files: bundle.manifest.files.length, installed, resolved, problems, signer: signature.signer, warnings, exitCode }
  } finally {
    await bundle.close()
  }
}

function baseProblems(ctx: Context, bundle: OpenedBundle): VerifyProblem[] {
  const base = bundle.manifest.base!
  // An increment needs its base on the far side; where it is verified, the base must have been imported.
  return existsSync(join(ctx.layout.bundlesDir, `${base}.json`)) ? [] : [{ kind: 'missing', detail: `base bundle ${base.slice(0, 16)}… has not been imported on this machine (import it before this increment)` }]
}

/** The requests installed for real into a throw-away HOME and root, offline, from the bundle alone. */
async function simulateInstall(ctx: Context, bundle: OpenedBundle): Promise<VerifyProblem[]> {
  const temp = await makeStagingDir(ctx.layout.tmpDir, 'verify-')
  try {
    const home = join(temp, 'home')
    const root = join(temp, 'root')
    await mkdir(home, { recursive: true })
    await mkdir(root, { recursive: true })
    const layout = layoutFor({ root, home })
    const net = createNet({ offline: true })
    const base = { layout, offline: true, net, pkgDirs: [join(bundle.root, BUNDLE_DIRS.archives)], yes: true, report: ctx.report }
    const fresh = { ...base, config: await loadConfig(layout.configFiles) }
    await importRegistries(fresh, bundle)
    // A build closure builds from the sources the bundle carries, as the far side will.
    await importBundleSources(fresh, bundle.root)
    ctx.report({ kind: 'phase', phase: 'verify', text: `Installing ${bundle.manifest.requests.join(' ')} into a throw-away root, offline` })
    // The import named the bundle's registries in the throw-away config: read it again.
    await installPackages({ ...base, config: await loadConfig(layout.configFiles) }, bundle.manifest.requests)
    return []
  } catch (e) {
    if (!isZoiError(e)) throw e
    const kind = e.exitCode === 6 ? 'integrity' : 'missing'
    return [{ kind, detail: `a test install of ${bundle.manifest.requests.join(' ')} fails: ${e.message.split('\n').join('; ')}` }]
  } finally {
    await rm(temp, { recursive: true, force: true })
  }
}

/** Resolution for another platform from the bundled registry; every archive it needs must be on board. */
async function resolveFromBundle(ctx: Context, bundle: OpenedBundle, platform: string): Promise<VerifyProblem[]> {
  const work = await makeStagingDir(ctx.layout.tmpDir, 'verify-')
  try {
    const registries = bundle.manifest.registries.map((r) => {
      const reader = bareReader(join(bundle.root, r.git), r.commit)
      return { handle: r.handle, url: r.url, isDefault: r.default, commit: r.commit, blobs: () => reader.definitionBlobs(), readBlob: (oid: string) => reader.readBlob(oid) }
    })
    const plan = await planForPlatform(ctx, registries, bundle.manifest.requests, parsePlatform(platform), work)
    const carried = new Set([...bundle.manifest.files, ...(bundle.manifest.inherited ?? [])].map((f) => f.path))
    const fromSource = new Set((bundle.manifest.plans[platform] ?? []).filter((p) => p.source).map((p) => `${p.name}@${p.version}`))
    return plan.steps
      .filter((s) => !fromSource.has(`${s.step.pkg.name}@${s.step.pkg.version}`))
      .map((s) => `${BUNDLE_DIRS.archives}/${s.item.fileName}`)
      .filter((f) => !carried.has(f))
      .map((f) => ({ kind: 'missing' as const, detail: `${platform}: the plan needs ${f}, which the bundle does not carry` }))
  } catch (e) {
    if (!isZoiError(e)) throw e
    return [{ kind: e.exitCode === 6 ? 'integrity' : 'missing', detail: `${platform}: ${e.message.split('\n').join('; ')}` }]
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
