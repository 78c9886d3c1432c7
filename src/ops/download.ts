/**
 * `zoi download <pkg…> [--archive | --source] [-o DIR] [--deps]`: the "stage air-gapped media"
 * command. Resolves the packages (with `--deps`, their whole runtime closure), then puts each
 * archive (`.zpa`/`.pkg.tar.zst`) or `.zsa` source bundle, verified, into the cache or DIR with
 * its sidecars (`.hash`, `.size`, `.files`) and `.sig` when the source has one. Every candidate
 * is tried in order (FIX: Zoi fetched one URL, no sidecars, no verification).
 */
import { copyFile, mkdir, rm, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { fetchArchives, type FetchedArchive, type FetchItem } from '../cache/index.ts'
import type { Context } from '../context.ts'
import { ZoiError, isZoiError } from '../errors.ts'
import { hostPlatform, platformString } from '../platform/arch.ts'
import { explainProblems, parseInstallArgument, resolvePlan, type PlanRequestItem } from '../resolve/index.ts'
import { prepareStep, sourceBundleItem } from './install-prepare.ts'
import { withCatalog } from './registries.ts'

export interface DownloadOptions {
  /** `.zsa` source bundles instead of binary archives. */
  source?: boolean
  /** Default: the archive cache. */
  outputDir?: string
  /** The whole runtime closure, not only the named packages. */
  deps?: boolean
}

export interface DownloadedFile {
  name: string
  version: string
  file: string
  path: string
  from: FetchedArchive['source']
  /** Sidecars now lying beside it (`.hash`, `.size`, `.files`, `.sig`). */
  sidecars: string[]
}

const SIDECARS = ['.hash', '.size', '.files', '.sig'] as const

export async function downloadPackages(ctx: Context, names: readonly string[], opts: DownloadOptions = {}): Promise<DownloadedFile[]> {
  if (names.length === 0) throw new ZoiError('USAGE', 'download needs at least one package name')
  const target = opts.outputDir === undefined ? ctx.layout.cacheDir : resolve(opts.outputDir)
  return withCatalog(ctx, async (catalog) => {
    const platform = platformString(hostPlatform())
    // Nothing installed is taken into account: the media are for another machine.
    const resolution = resolvePlan(names.map(toRequest), catalog, [], { platform, defaultHandle: catalog.registries.find((r) => r.isDefault)?.handle })
    if (!resolution.ok) throw new ZoiError('UNSATISFIABLE', explainProblems(resolution.problems).join('\n'))
    const steps = resolution.plan.steps.filter((s) => opts.deps || s.reason === 'direct')
    const items = steps.map((s): FetchItem => {
      if (!opts.source) return prepareStep(ctx, catalog, [], s).item
      const item = sourceBundleItem(ctx, catalog, s.pkg)
      if (!item) throw new ZoiError('NOT_FOUND', `the registry of '${s.pkg.name}' names no source bundles (source-main or source-mirror links)`, { hint: 'download the binary archive instead (without --source)' })
      return item
    })
    // Found in a pkg-dir or the cache first; downloads land (verified) in the target folder.
    const pkgDirs = target === ctx.layout.cacheDir ? ctx.pkgDirs : [...ctx.pkgDirs, ctx.layout.cacheDir]
    await mkdir(target, { recursive: true })
    const fetched = await fetchArchives(items, { net: ctx.net, cacheDir: target, pkgDirs, report: ctx.report })
    const out: DownloadedFile[] = []
    for (const [i, got] of fetched.entries()) {
      const path = join(target, got.fileName)
      if (got.path !== path) await copyWithSidecars(got.path, path)
      await fetchMissingSidecars(ctx, items[i]!, path)
      const sidecars: string[] = []
      for (const s of SIDECARS) if (await isFile(path + s)) sidecars.push(basename(path + s))
      out.push({ name: steps[i]!.pkg.name, version: steps[i]!.pkg.version, file: got.fileName, path, from: got.source, sidecars })
    }
    return out
  })
}

function toRequest(text: string): PlanRequestItem {
  const spec = parseInstallArgument(text)
  if (!('kind' in spec) || spec.kind !== 'name') throw new ZoiError('USAGE', `cannot download '${text}': expected a package name`)
  return spec
}

async function copyWithSidecars(from: string, to: string): Promise<void> {
  for (const s of ['', ...SIDECARS]) {
    if (!(await isFile(from + s))) continue
    await copyFile(from + s, `${to}${s}.tmp`)
    await copyFile(`${to}${s}.tmp`, to + s)
    await rm(`${to}${s}.tmp`, { force: true })
  }
}

/** `.files` and `.sig` are not needed to verify, so fetching stores none: get them, best effort. */
async function fetchMissingSidecars(ctx: Context, item: FetchItem, path: string): Promise<void> {
  if (ctx.offline) return
  const wanted: [string, 'filesUrl' | 'sigUrl'][] = [['.files', 'filesUrl'], ['.sig', 'sigUrl']]
  for (const [suffix, key] of wanted) {
    if (await isFile(path + suffix)) continue
    for (const c of item.candidates) {
      const url = c[key]
      if (url === undefined) continue
      try {
        await ctx.net.download(url, path + suffix)
        break
      } catch (e) {
        if (!isZoiError(e, 'NETWORK')) throw e
        await rm(`${path}${suffix}.part`, { force: true })
      }
    }
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false
}
