/**
 * `zoi bundle create`: one folder (or one plain tar) holding everything the far side of an air
 * gap needs to install a set of packages — each registry as a bare repository at the exact
 * commit plus its index, the archives of the closure for every target platform with sidecars
 * (and `.sig`), the zoi binaries — and `bundle.json` naming every file with its SHA-512.
 *
 * The bundle is also a mirror folder: `registry.git` is packed with `info/refs`, `archives/` is
 * a flat archive folder, so `zoi serve`, nginx, `--pkg-dir` and `sync set` all take it as is.
 * Re-running into the same folder reuses every file whose hash is already right (resumable).
 */
import { existsSync } from 'node:fs'
import { chmod, copyFile, constants, mkdir, rename, rm, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { git } from '../registry/git-lib.ts'
import { archiveFileList, hashFile, listArchive, parseSizeSidecar, writeArchive } from '../archive/index.ts'
import { BUNDLE_DIRS, BUNDLE_JSON, serializeManifest, type BundleFile, type BundleManifest, type BundleRegistry, type PlannedFile } from '../bundle/manifest.ts'
import { describeFiles, listBundleFiles } from '../bundle/bundle-files.ts'
import { fetchArchives } from '../cache/index.ts'
import { readSidecars } from '../cache/locate.ts'
import type { Context } from '../context.ts'
import { ZoiError, isZoiError } from '../errors.ts'
import { updateServerInfo } from '../mirror/index.ts'
import { hostPlatform, parsePlatform, platformString } from '../platform/arch.ts'
import { copyFileAtomic, makeStagingDir, writeFileAtomic } from '../platform/fs.ts'
import { redactUrl } from '../platform/net.ts'
import { headCommit, listDefinitionBlobs, readBlob } from '../registry/git-read.ts'
import { copyObjects } from '../registry/git-local.ts'
import { gitFs } from '../registry/git-swap.ts'
import { IndexDb, type ArchiveFacts } from '../registry/index.ts'
import { VERSION } from '../version.ts'
import { signManifest, writeAnchorKeys, writeSources } from './bundle-extras.ts'
import { buildClosure, recordSources, stepKey, type BuildClosure } from './bundle-closure.ts'
import { openBundleManifest } from './bundle-open.ts'
import { planForPlatform, type PlatformPlan, type RegistryAtCommit } from './bundle-plan.ts'
import { requireCatalog } from './registries.ts'
import { sourceFetch } from './source.ts'
import { readIndex } from '../sources/index.ts'
import { crypto } from '../platform/node-lazy.ts'

export interface BundleCreateOptions {
  requests: string[]
  output: string
  platforms: string[]
  closure: 'runtime' | 'build'
  since?: string
  zoiBinaries: string[]
  dryRun: boolean
  /** `--with-sources`: the closure's cached sources too (fetched online when none are cached). */
  withSources?: boolean
  /** `--sign <secret.asc>`: a detached signature of bundle.json. */
  sign?: { keyFile: string; passphrase: () => Promise<string> }
}

export interface PlatformSummary {
  platform: string
  packages: { name: string; version: string; file: string; download?: number; install?: number }[]
  download: number
  install: number
  /** Packages whose sizes no index or sidecar knows. */
  unknownSizes: number
}

export interface BundleCreateResult {
  output: string
  dryRun: boolean
  platforms: PlatformSummary[]
  totals: { download: number; install: number }
  files?: number
  inherited?: number
  sha512?: string
  sources?: { files: number; git: number }
  keys?: string[]
  signer?: string
}

export async function createBundle(ctx: Context, opts: BundleCreateOptions): Promise<BundleCreateResult> {
  if (opts.requests.length === 0) throw new ZoiError('USAGE', 'bundle create needs at least one package')
  const output = resolve(opts.output)
  const asTar = output.endsWith('.tar')
  const platforms = (opts.platforms.length > 0 ? opts.platforms.map(parsePlatform) : [hostPlatform()])
  const registries = await readRegistries(ctx)
  const facts = openFacts(registries)
  const work = await makeStagingDir(ctx.layout.tmpDir, 'bundle-')
  try {
    const plans: PlatformPlan[] = []
    const closures: BuildClosure[] = []
    for (const platform of platforms) {
      const plan = await planForPlatform(ctx, registries.map((r) => r.atCommit), opts.requests, platform, join(work, 'index'))
      plans.push(plan)
      if (opts.closure === 'build') closures.push(await buildClosure(ctx, registries.map((r) => r.atCommit), plan, platform, join(work, 'index')))
    }
    const summaries = plans.map((p) => summarize(ctx, facts, p))
    const totals = sumTotals(await Promise.all(summaries))
    if (opts.dryRun) return { output, dryRun: true, platforms: await Promise.all(summaries), totals }

    const dir = asTar ? `${output}.partial` : output
    await prepareOutput(dir, asTar)
    const registryEntries = await writeRegistries(ctx, dir, registries)
    const toBuild = [...new Set(closures.flatMap((c) => [...c.built].map((k) => k.slice(k.indexOf('/') + 1, k.lastIndexOf('@')))))]
    await recordSources(ctx, toBuild)
    // Files this run has just hashed (archives, zoi binaries): the manifest need not read them again.
    const hashed = new Map<string, BundleFile>()
    const planned = await writeArchives(ctx, dir, plans, facts, closures, hashed)
    const buildPlans = closures.length > 0 ? await writeArchives(ctx, dir, plans.map((p, i) => ({ ...p, steps: closures[i]!.dependencies })), facts, closures, hashed) : undefined
    await writeZoiBinaries(dir, opts.zoiBinaries, hashed)
    const keys = await writeAnchorKeys(ctx, dir, registryEntries.map((r) => r.handle))
    const sources = opts.withSources || toBuild.length > 0 ? await carrySources(ctx, dir, plans, opts.withSources ? undefined : new Set(toBuild)) : undefined
    const base = opts.since ? await openBundleManifest(opts.since) : undefined
    let files = await describeFiles(dir, await listBundleFiles(dir), hashed)
    let inherited: BundleFile[] = []
    if (base) {
      const inBase = new Map([...base.manifest.files, ...(base.manifest.inherited ?? [])].map((f) => [f.path, f.sha512]))
      // Registry metadata (HEAD, refs, config) is always carried, so the increment's registry.git
      // is a repository whose new packs sync on top of the base's; packs, archives and the rest
      // that the base already has stay out.
      inherited = files.filter((f) => inBase.get(f.path) === f.sha512 && (f.role !== 'registry' || f.path.includes('/objects/pack/')))
      for (const f of inherited) await rm(join(dir, f.path))
      files = files.filter((f) => !inherited.includes(f))
      await base.close()
    }
    const manifest: BundleManifest = {
      format: 'zoi-bundle',
      version: 1,
      created: await newestCommitTime(registries),
      zoi: VERSION,
      requests: opts.requests,
      platforms: plans.map((p) => p.platform),
      closure: opts.closure,
      registries: registryEntries,
      plans: planned,
      ...(buildPlans ? { build: buildPlans } : {}),
      files,
      keys,
      ...(base ? { base: base.sha512, inherited } : {}),
      totals,
    }
    const text = serializeManifest(manifest)
    await writeFileAtomic(join(dir, BUNDLE_JSON), text)
    const sha512 = crypto().createHash('sha512').update(text).digest('hex')
    const signer = opts.sign ? await signManifest(dir, opts.sign.keyFile, opts.sign.passphrase) : undefined
    if (asTar) {
      await writeArchive(output, dir, { compression: 'none', mtime: 0 })
      await rm(dir, { recursive: true, force: true })
    }
    return { output, dryRun: false, platforms: await Promise.all(summaries), totals, files: files.length, inherited: inherited.length, sha512, sources, keys, signer }
  } finally {
    facts.close()
    await rm(work, { recursive: true, force: true })
  }
}

/** Sources of every package in the plans (or of `only`); packages with none cached are fetched first (online). */
async function carrySources(ctx: Context, dir: string, plans: readonly PlatformPlan[], only?: ReadonlySet<string>): Promise<{ files: number; git: number }> {
  const names = only ?? new Set(plans.flatMap((p) => p.steps.map((s) => s.step.pkg.name)))
  const cached = readIndex(ctx.layout.sourceCacheDir)
  const users = new Set([...Object.values(cached.urls), ...Object.values(cached.git)].flatMap((e) => e.packages))
  const missing = [...names].filter((n) => !users.has(n))
  if (missing.length > 0 && !ctx.net.offline) {
    ctx.report({ kind: 'phase', phase: 'bundle', text: `Fetching the sources of ${missing.join(', ')}` })
    for (const name of missing) {
      try {
        await sourceFetch(ctx, [name])
      } catch (e) {
        if (!isZoiError(e)) throw e
        ctx.report({ kind: 'warn', text: `sources of ${name} not carried: ${e.message.split('\n')[0]}` })
      }
    }
  }
  return writeSources(ctx, dir, names)
}

interface LocalRegistry {
  handle: string
  url: string
  isDefault: boolean
  clone: string
  dbDir: string
  commit: string
  atCommit: RegistryAtCommit
}

/** Every synced registry, at the commit its clone holds. */
async function readRegistries(ctx: Context): Promise<LocalRegistry[]> {
  const catalog = requireCatalog(ctx)
  const found = catalog.registries.map((r) => ({ handle: r.handle, url: r.url, isDefault: r.isDefault, dbDir: r.dbDir, clone: join(r.dbDir, r.handle) }))
  catalog.close()
  const out: LocalRegistry[] = []
  for (const r of found) {
    const commit = await headCommit(r.clone)
    out.push({
      ...r,
      commit,
      atCommit: {
        handle: r.handle, url: r.url, isDefault: r.isDefault, commit,
        blobs: () => listDefinitionBlobs(r.clone, commit),
        readBlob: (oid) => readBlob(r.clone, oid),
      },
    })
  }
  return out
}

/** Sizes per package from the synced index, else from `.size` sidecars in pkg-dirs and the cache. */
async function summarize(ctx: Context, facts: FactsLookup, plan: PlatformPlan): Promise<PlatformSummary> {
  const out: PlatformSummary = { platform: plan.platform, packages: [], download: 0, install: 0, unknownSizes: 0 }
  for (const { step, item } of plan.steps) {
    const known = facts.get(step.pkg, plan.platform)
    let download = known?.downSize
    let install = known?.installSize
    if (download === undefined || install === undefined) {
      for (const d of [...ctx.pkgDirs, ctx.layout.cacheDir]) {
        if (!existsSync(join(d, item.fileName))) continue
        const side = await readSidecars(join(d, item.fileName), item.fileName).catch(() => ({ size: undefined }))
        download ??= side.size?.down ?? (await stat(join(d, item.fileName))).size
        install ??= side.size?.install
        break
      }
    }
    if ((download === undefined || install === undefined) && !ctx.net.offline) {
      // The synced index has sidecar facts for this machine's platform only: ask the host.
      const remote = await remoteSizes(ctx, item.candidates)
      download ??= remote?.down
      install ??= remote?.install
    }
    if (download === undefined || install === undefined) out.unknownSizes++
    out.download += download ?? 0
    out.install += install ?? 0
    out.packages.push({ name: step.pkg.name, version: step.pkg.version, file: item.fileName, download, install })
  }
  return out
}

/** The first `.size` sidecar a candidate serves; a miss everywhere is no error (sizes are informative). */
async function remoteSizes(ctx: Context, candidates: readonly { sizeUrl?: string }[]): Promise<{ down?: number; install?: number } | undefined> {
  for (const c of candidates) {
    if (!c.sizeUrl) continue
    try {
      return parseSizeSidecar(await ctx.net.getText(c.sizeUrl), c.sizeUrl)
    } catch {
      // try the next candidate
    }
  }
  return undefined
}

interface FactsLookup {
  /** What the synced index learned about a package's archive (hash, sizes) for `platform`. */
  get(pkg: { handle: string; repo: string; name: string; version: string }, platform: string): ArchiveFacts | undefined
  close(): void
}

/** The synced indexes, each opened once for the run. */
function openFacts(registries: readonly LocalRegistry[]): FactsLookup {
  const open = new Map<string, IndexDb>()
  return {
    get(pkg, platform) {
      const r = registries.find((x) => x.handle === pkg.handle)
      if (!r) return undefined
      let db = open.get(r.handle)
      if (!db) open.set(r.handle, (db = IndexDb.open(join(r.dbDir, `${r.handle}.db`), { readonly: true })))
      return db.archiveFacts(pkg.repo, pkg.name, pkg.version, platform)
    },
    close: () => open.forEach((db) => db.close()),
  }
}

function sumTotals(summaries: PlatformSummary[]): { download: number; install: number } {
  return summaries.reduce((t, s) => ({ download: t.download + s.download, install: t.install + s.install }), { download: 0, install: 0 })
}

/** A folder output may be new, empty, or an earlier (interrupted) bundle; anything else is refused. */
async function prepareOutput(dir: string, asTar: boolean): Promise<void> {
  if (existsSync(dir) && !(await stat(dir)).isDirectory()) {
    throw new ZoiError('USAGE', `${dir} exists and is not a folder`, { hint: 'give a new folder, or a file name ending in .tar' })
  }
  if (!asTar && existsSync(dir)) {
    const entries = await listBundleFiles(dir).catch(() => [])
    if (entries.length > 0 && !existsSync(join(dir, BUNDLE_JSON)) && !entries.some((e) => e.startsWith(`${BUNDLE_DIRS.archives}/`))) {
      throw new ZoiError('REFUSED', `${dir} is not empty and is not a bundle; refusing to write into it`, { hint: 'give a new or empty folder' })
    }
  }
  await mkdir(dir, { recursive: true })
}

/** Each registry as a packed bare repository at its clone's commit, plus its index. */
async function writeRegistries(ctx: Context, dir: string, registries: readonly LocalRegistry[]): Promise<BundleRegistry[]> {
  const out: BundleRegistry[] = []
  for (const r of registries) {
    const commit = r.commit
    const gitRel = registries.length === 1 ? 'registry.git' : `${BUNDLE_DIRS.registry}/${r.handle}.git`
    const gitdir = join(dir, gitRel)
    ctx.report({ kind: 'phase', phase: 'bundle', text: `Registry ${r.handle} at ${commit.slice(0, 12)}` })
    if (!existsSync(join(gitdir, 'HEAD'))) {
      await mkdir(gitdir, { recursive: true })
      await git.init({ fs: gitFs, dir: gitdir, bare: true, defaultBranch: 'main' })
    }
    await copyObjects(join(r.clone, '.git'), gitdir)
    await git.writeRef({ fs: gitFs, gitdir, ref: 'refs/heads/main', value: commit, force: true })
    await git.writeRef({ fs: gitFs, gitdir, ref: 'HEAD', value: 'refs/heads/main', symbolic: true, force: true })
    await updateServerInfo(gitdir)
    const indexRel = `${BUNDLE_DIRS.registry}/${r.handle}.db`
    await mkdir(join(dir, BUNDLE_DIRS.registry), { recursive: true })
    await rm(join(dir, indexRel), { force: true })
    const index = IndexDb.open(join(r.dbDir, `${r.handle}.db`), { readonly: true })
    try {
      index.copyTo(join(dir, indexRel))
    } finally {
      index.close()
    }
    out.push({ handle: r.handle, url: stripCredentials(r.url), commit, default: r.isDefault, git: gitRel, index: indexRel })
  }
  return out
}

/** Fetches (verified) every archive of every plan and places it with its sidecars under archives/. */
async function writeArchives(
  ctx: Context,
  dir: string,
  allPlans: readonly PlatformPlan[],
  facts: FactsLookup,
  closures: readonly BuildClosure[],
  hashed: Map<string, BundleFile>,
): Promise<Record<string, PlannedFile[]>> {
  const archives = join(dir, BUNDLE_DIRS.archives)
  await mkdir(archives, { recursive: true })
  const out: Record<string, PlannedFile[]> = {}
  for (const [n, whole] of allPlans.entries()) {
    // Packages the far side builds from source have no archive to carry.
    const built = closures[n]?.built ?? new Set<string>()
    const carried = whole.steps.filter((s) => !built.has(stepKey(s)))
    const items = carried.map((s) => {
      const known = facts.get(s.step.pkg, whole.platform)
      return { ...s.item, expected: known ? { sha512: known.sha512, sha256: known.sha256, size: known.downSize } : undefined }
    })
    ctx.report({ kind: 'phase', phase: 'bundle', text: `Archives for ${whole.platform}: ${items.length}`, total: items.length })
    const fetched = items.length === 0 ? [] : await fetchArchives(items, { net: ctx.net, cacheDir: ctx.layout.cacheDir, pkgDirs: ctx.pkgDirs, report: ctx.report })
    const byStep = new Map<PlatformPlan['steps'][number], PlannedFile>()
    for (const [i, got] of fetched.entries()) {
      const step = carried[i]!.step
      const placed = await placeArchive(got.path, join(archives, got.fileName))
      const path = `${BUNDLE_DIRS.archives}/${got.fileName}`
      hashed.set(path, { path, sha512: placed.sha512, size: placed.size, role: 'archive' })
      byStep.set(carried[i]!, {
        name: step.pkg.name, version: step.pkg.version, registry: step.pkg.handle, repo: step.pkg.repo,
        file: `${BUNDLE_DIRS.archives}/${got.fileName}`, sha512: placed.sha512, size: placed.size, ...(placed.install !== undefined ? { installSize: placed.install } : {}),
      })
    }
    // In plan order: what is built on the far side keeps its place, with no file.
    out[whole.platform] = whole.steps.map((s) => byStep.get(s) ?? {
      name: s.step.pkg.name, version: s.step.pkg.version, registry: s.step.pkg.handle, repo: s.step.pkg.repo, file: '', sha512: '', size: 0, source: true,
    })
  }
  return out
}

/** Copies the archive unless the same bytes are there; writes `.hash`, `.size`, `.files`; carries `.sig`. */
async function placeArchive(source: string, dest: string): Promise<{ sha512: string; size: number; install?: number }> {
  const sha512 = await hashFile(source, 'sha512')
  const same = existsSync(dest) && (await hashFile(dest, 'sha512')) === sha512
  if (!same) await copyFileAtomic(source, dest)
  const size = (await stat(dest)).size
  const name = basename(dest)
  const side = await readSidecars(source, name)
  let install = side.size?.install
  let files = side.files
  if (install === undefined || files === undefined) {
    const entries = await listArchive(dest)
    install ??= entries.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0)
    files ??= await archiveFileList(dest, entries)
  }
  await writeFileAtomic(`${dest}.hash`, `${sha512}  ${name}\n`)
  await writeFileAtomic(`${dest}.size`, `down: ${size}\ninstall: ${install}\n`)
  await writeFileAtomic(`${dest}.files`, files.map((f) => `${f}\n`).join(''))
  if (existsSync(`${source}.sig`)) await copyFile(`${source}.sig`, `${dest}.sig`)
  return { sha512, size, install }
}

const BINARY_NAME = /^zoi-(linux|macos|darwin|windows|freebsd)-(x64|amd64|arm64|aarch64)(-musl)?(\.exe)?$/

/** The running zoi for this platform (when it is a compiled zoi) and each `--zoi-binary`. */
async function writeZoiBinaries(dir: string, extra: readonly string[], hashed: Map<string, BundleFile>): Promise<void> {
  const target = join(dir, BUNDLE_DIRS.zoi)
  await mkdir(target, { recursive: true })
  const host = hostPlatform()
  const self = process.execPath
  const places: [string, string][] = []
  if (!/^bun(\.exe)?$/.test(basename(self))) places.push([self, `zoi-${platformString(host)}`])
  for (const file of extra) {
    const m = BINARY_NAME.exec(basename(file))
    if (!m) throw new ZoiError('USAGE', `--zoi-binary ${file}: name it zoi-<os>-<arch> (as 'bun build.ts --all' does), e.g. zoi-linux-arm64`)
    if (!existsSync(file)) throw new ZoiError('NOT_FOUND', `--zoi-binary ${file} does not exist`)
    const os = m[1] === 'darwin' ? 'macos' : m[1]
    const arch = m[2] === 'x64' ? 'amd64' : m[2] === 'aarch64' ? 'arm64' : m[2]
    places.push([resolve(file), `zoi-${os}-${arch}${m[3] ?? ''}${m[4] ?? ''}`])
  }
  for (const [from, name] of places) {
    const dest = join(target, name)
    const sha512 = await hashFile(from, 'sha512')
    const size = (await stat(from)).size
    hashed.set(`${BUNDLE_DIRS.zoi}/${name}`, { path: `${BUNDLE_DIRS.zoi}/${name}`, sha512, size, role: 'zoi' })
    if (existsSync(dest) && (await stat(dest)).size === size && (await hashFile(dest, 'sha512')) === sha512) continue
    await copyFile(from, `${dest}.tmp`, constants.COPYFILE_FICLONE)
    await chmod(`${dest}.tmp`, 0o755)
    await rename(`${dest}.tmp`, dest)
  }
}

async function newestCommitTime(registries: readonly LocalRegistry[]): Promise<string> {
  let newest = 0
  for (const r of registries) {
    const { commit } = await git.readCommit({ fs: gitFs, dir: r.clone, oid: r.commit })
    newest = Math.max(newest, commit.committer.timestamp)
  }
  return new Date(newest * 1000).toISOString()
}

/** A bundle travels: credentials in registry URLs never go with it. */
function stripCredentials(url: string): string {
  return redactUrl(url).replace(/^([a-z][a-z0-9+.-]*:\/\/)\*\*\*@/i, '$1')
}
