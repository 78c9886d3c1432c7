/**
 * `zoi bundle verify`: proves, with no network, that a bundle will install on the far side —
 * before anyone carries it there. Every file against the manifest (size, SHA-512, nothing
 * missing, nothing extra; an increment's base given before it or imported here); then, unless
 * `--quick`, a real install of the requests for this machine's platform into a throw-away HOME
 * and root with the network edge closed, and for every other platform a resolution from the
 * bundled registry whose archives must all be on board. An increment is tested as the whole tree
 * it adds up to: with the bundles given before it, or — alone, its base imported here — with this
 * machine's copies of what it inherits, each checked against the increment's manifest.
 */
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
import { assembleChain, missingBase } from './bundle-chain.ts'
import { localCopies } from './bundle-local.ts'
import { withBundles, type OpenedBundle } from './bundle-open.ts'
import { planForPlatform } from './bundle-plan.ts'
import { installPackages } from './install.ts'

export interface VerifyProblem {
  /** 'integrity' → exit 6; 'missing' → exit 4. */
  kind: 'integrity' | 'missing'
  detail: string
  /** The next step, when there is one. */
  hint?: string
}

/** A lone increment whose inherited file is not here as its base brought it. */
export const GIVE_BASE_HINT = "give the base before the increment: 'zoi bundle verify <base> <increment>'"

export interface BundleVerifyResult {
  /** The last bundle given: what the chain adds up to. */
  bundle: string
  sha512: string
  /** Files checked, over every bundle given. */
  files: number
  /** Platforms whose install was simulated or whose plan was re-resolved. */
  installed: string[]
  resolved: string[]
  problems: VerifyProblem[]
  /** Who signed the last bundle.json (verified), or a warning when unsigned. */
  signer?: string
  warnings: string[]
  /** Each bundle of a chain (`verify <base> <increment>…`), oldest first. */
  chain?: { bundle: string; sha512: string; files: number; signer?: string }[]
  exitCode: number
}

/**
 * One bundle, or a chain of them oldest first (a full bundle, then increments made on top of it):
 * every bundle's signature and files, each increment's base earlier in the chain or imported
 * here; then the test install and resolutions of what the last one adds up to. A lone increment
 * whose base was imported here is installed from this machine's copies of the base's files; one
 * of them gone or changed (e.g. `cache clear`) is a 'missing' problem naming it (exit 4).
 */
export async function verifyBundle(ctx: Context, paths: readonly string[], opts: { quick?: boolean; keys?: readonly string[] } = {}): Promise<BundleVerifyResult> {
  return withBundles(ctx, paths, async (chain) => {
    const problems: VerifyProblem[] = []
    const warnings: string[] = []
    const named = (bundle: OpenedBundle, text: string) => (chain.length > 1 ? `${bundle.path}: ${text}` : text)
    const checked: NonNullable<BundleVerifyResult['chain']> = []
    for (const [i, bundle] of chain.entries()) {
      const signature = await checkManifestSignature(ctx, bundle.root, bundle.manifest.created, opts.keys ?? [])
      if (signature.problem) problems.push({ kind: 'integrity', detail: named(bundle, signature.problem) })
      if (signature.warning) warnings.push(named(bundle, signature.warning))
      ctx.report({ kind: 'phase', phase: 'verify', text: `Checking ${bundle.manifest.files.length} files`, total: bundle.manifest.files.length })
      for (const p of await checkFiles(bundle.root, bundle.manifest, (done, total) => ctx.report({ kind: 'advance', phase: 'verify', loaded: done, total }))) {
        problems.push({ kind: p.kind === 'missing' ? 'missing' : 'integrity', detail: named(bundle, p.detail) })
      }
      const base = missingBase(ctx, bundle, chain.slice(0, i))
      if (base) problems.push({ kind: 'missing', detail: base })
      checked.push({ bundle: paths[i]!, sha512: bundle.sha512, files: bundle.manifest.files.length, ...(signature.signer ? { signer: signature.signer } : {}) })
    }
    const last = chain[chain.length - 1]!
    const installed: string[] = []
    const resolved: string[] = []
    if (!opts.quick && problems.length === 0) {
      // An increment with its base at hand is tested as the whole tree it adds up to.
      const whole = await wholeTree(ctx, chain, problems)
      if (whole) {
        try {
          const host = platformString(hostPlatform())
          for (const platform of last.manifest.platforms) {
            const install = platform === host
            problems.push(...(install ? await simulateInstall(ctx, whole.bundle) : await resolveFromBundle(ctx, whole.bundle, platform)))
            ;(install ? installed : resolved).push(platform)
          }
        } finally {
          await whole.close()
        }
      }
    }
    const exitCode = problems.some((p) => p.kind === 'integrity') ? 6 : problems.length > 0 ? 4 : 0
    const signer = checked[checked.length - 1]!.signer
    return {
      bundle: paths[paths.length - 1]!, sha512: last.sha512, files: checked.reduce((n, c) => n + c.files, 0), installed, resolved, problems,
      ...(signer ? { signer } : {}), warnings, ...(chain.length > 1 ? { chain: checked } : {}), exitCode,
    }
  })
}

/**
 * The bundle to test: a full one as it is; an increment as the tree its chain adds up to, in a
 * throw-away folder. When the chain rests on a base imported here (its first bundle is an
 * increment; missingBase has checked the import), what no bundle given carries is taken from
 * this machine, copied and checked. Undefined when a file is missing (a problem).
 */
async function wholeTree(ctx: Context, chain: readonly OpenedBundle[], problems: VerifyProblem[]): Promise<{ bundle: OpenedBundle; close(): Promise<void> } | undefined> {
  const last = chain[chain.length - 1]!
  if (!last.manifest.base) return { bundle: last, close: async () => {} }
  const work = await makeStagingDir(ctx.layout.tmpDir, 'verify-chain-')
  const close = () => rm(work, { recursive: true, force: true })
  // Only then: a chain given from its full base must carry everything itself, as it will travel.
  const restsOnImport = chain[0]!.manifest.base !== undefined
  const missing = await assembleChain(chain, work, restsOnImport ? localCopies(ctx.layout, last.manifest) : undefined)
  if (missing.length > 0) {
    problems.push(...missing.map((detail) => ({ kind: 'missing' as const, detail, ...(restsOnImport ? { hint: GIVE_BASE_HINT } : {}) })))
    await close()
    return undefined
  }
  return { bundle: { ...last, root: work }, close }
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
