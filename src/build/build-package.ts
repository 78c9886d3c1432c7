/**
 * `package build`: turns a .pkg.lua into `<name>-<version>-<platform>.pkg.tar.zst` plus its
 * `.hash`, `.size` and `.files` sidecars (SPEC §5), one archive per platform, following Zoi's
 * build flow (reference §3.1). The temporary build folder is removed whether the build succeeds
 * or fails, and a failed build leaves no archive or sidecar behind in the output folder.
 */
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, lstatSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { listDataFiles, sidecarPaths, writeArchive, writeSidecars, writeZpa } from '../archive/index.ts'
import { describeError, errnoCode, ZoiError } from '../errors.ts'
import { createEvaluator, type BuildEvaluatorOptions, type Evaluator, type PackageSpec } from '../lua/index.ts'
import { hostPlatform, parsePlatform, platformAllowed, platformString, type Platform } from '../platform/arch.ts'
import type { Net } from '../platform/net.ts'
import { zoiExecutable } from '../platform/self.ts'
import { silent, type Report } from '../progress.ts'
import { makeGitShim, SourceCache } from '../sources/index.ts'
import { chooseBuildType, chooseSubs, chooseVersion, checkSegment } from './build-choices.ts'
import { buildSubPackage, readInclude } from './lifecycle.ts'

export interface BuildOptions {
  /** Path to the .pkg.lua. */
  definition: string
  /** Default: the definition's folder. */
  outputDir?: string
  /** `linux-amd64`, …; default: the host platform. */
  platforms?: string[]
  versionOverride?: string
  /** Sub-packages to build; default: all declared ones. */
  subs?: string[]
  buildType?: string
  net: Net
  /** The source cache every fetch goes through; without one, a throw-away cache inside the build folder. */
  sourceCache?: { dir: string; mirrors: readonly string[] }
  /** Run prepare() only and write no archive (`zoi source fetch`). */
  prepareOnly?: boolean
  report?: Report
  /** mtime of every archive entry (SOURCE_DATE_EPOCH); default 0. */
  sourceDateEpoch?: number
  /** Where the temporary build folders go; default: the system temp folder. */
  tempDir?: string
  /** `pkg.tar.zst` (default) or Zoi's `zpa` (SPEC §9). */
  format?: ArchiveFormat
  /** A folder holding prepare()'s output (an unpacked `.zsa`): copied into BUILD_DIR, prepare() skipped. */
  prepared?: string
  /** Also run test() after verify() (`package build --test`). */
  runTests?: boolean
  /** Time limit of each cmd(); default 30 minutes. */
  commandTimeoutMs?: number
  /** Lua budgets for the build (see BuildEvaluatorOptions). */
  limits?: BuildEvaluatorOptions
  /** Folders put on cmd()'s PATH, after zoi's `git` (installed build dependencies). */
  toolDirs?: string[]
}

export type ArchiveFormat = 'pkg.tar.zst' | 'zpa'
export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ['pkg.tar.zst', 'zpa']

export interface BuiltArchive {
  platform: string
  path: string
  sha512: string
  downSize: number
  installSize: number
  /** The `.files` list: every `data/…` file and link (a `.zpa`: every destination, as Zoi). */
  files: string[]
  /** zrm() paths recorded by the definition, per sub-package ('' = the package itself). */
  removals: Array<{ sub: string; path: string }>
}

/** Builds the archive for each requested platform; platforms the definition excludes are skipped (reported). */
export async function buildPackage(options: BuildOptions): Promise<BuiltArchive[]> {
  const definition = resolve(options.definition)
  const source = readDefinition(options.definition, definition)
  const platforms = (options.platforms?.length ? options.platforms : [platformString(hostPlatform())]).map((p) => {
    if (p.trim().toLowerCase() === 'all') throw new ZoiError('USAGE', "building for 'all' platforms is not supported; name them, e.g. --platform linux-amd64 macos-arm64")
    return parsePlatform(p)
  })
  const evaluator = createEvaluator()
  const built: BuiltArchive[] = []
  try {
    for (const platform of platforms) {
      const archive = await buildForPlatform(options, { definition, source, evaluator }, platform)
      if (archive) built.push(archive)
    }
  } finally {
    evaluator.close()
  }
  return built
}

interface Definition {
  definition: string
  source: string
  evaluator: Evaluator
}

async function buildForPlatform(options: BuildOptions, def: Definition, platform: Platform): Promise<BuiltArchive | undefined> {
  const report = options.report ?? silent
  const target = platformString(platform)
  const definitionDir = realpathSync(dirname(def.definition))
  const file = options.definition
  const evaluate = (version?: string): Promise<PackageSpec> =>
    def.evaluator.evaluate({ source: def.source, file, target: platform, version, include: (rel) => readInclude(definitionDir, rel) })

  let spec = await evaluate(options.versionOverride)
  if (!platformAllowed(spec.platforms, platform)) {
    report({ kind: 'info', text: `:: Skipping build for platform ${target}: package '${spec.name}' only supports [${spec.platforms.join(', ')}]` })
    return undefined
  }
  const version = chooseVersion(spec, options.versionOverride)
  // Zoi evaluates again with the chosen version, so ZOI.VERSION is set as it is at install time.
  if (options.versionOverride === undefined) spec = await evaluate(version)
  const name = checkSegment(spec.name, 'name', spec.name)
  const buildType = chooseBuildType(spec, options.buildType)
  const subs = chooseSubs(spec, options.subs)
  report({ kind: 'phase', phase: 'build', text: `building ${name} ${version} for ${target} (${buildType})` })

  const tempParent = options.tempDir ?? tmpdir()
  mkdirSync(tempParent, { recursive: true })
  const temp = realpathSync(mkdtempSync(join(tempParent, `zoi-build-${name}-${target}-`)))
  try {
    const buildDir = join(temp, 'build')
    const stagingDir = join(temp, 'staging')
    for (const dir of [buildDir, stagingDir]) makeDir(dir)
    if (options.prepared !== undefined) cpSync(options.prepared, buildDir, { recursive: true, verbatimSymlinks: true })
    const removals: BuiltArchive['removals'] = []
    const cache = options.sourceCache ?? { dir: join(temp, 'sources'), mirrors: [] }
    const sources = new SourceCache({ ...cache, net: options.net, report, pkg: name })
    const shimDir = gitShim(temp)
    for (const sub of subs) {
      const dataDir = sub === '' ? join(stagingDir, 'data') : join(stagingDir, 'data', sub)
      const paths = await buildSubPackage({
        source: def.source, file, target: platform, version, buildType, sub,
        roots: { buildDir, stagingDir, dataDir, definitionDir },
        sources, shimDir, toolDirs: options.toolDirs, missesFile: join(temp, 'source-misses'), report, commandTimeoutMs: options.commandTimeoutMs ?? 30 * 60_000,
        runTests: options.runTests ?? false, limits: options.limits,
        phases: options.prepareOnly ? 'prepare-only' : options.prepared !== undefined ? 'skip-prepare' : 'all',
      })
      removals.push(...paths.map((path) => ({ sub, path })))
    }
    if (options.prepareOnly) return undefined
    writeFileSync(join(stagingDir, 'manifest.yaml'), manifestText(stagingDir))
    copyFileSync(def.definition, join(stagingDir, `${name}.pkg.lua`))
    for (const f of ['manifest.yaml', `${name}.pkg.lua`]) chmodSync(join(stagingDir, f), 0o644)
    const outputDir = resolve(options.outputDir ?? dirname(def.definition))
    const format = options.format ?? 'pkg.tar.zst'
    const archivePath = join(outputDir, `${name}-${version}-${target}.${format}`)
    const zpa = format === 'zpa' ? { definitionName: `${name}.pkg.lua`, workDir: join(temp, 'zpa') } : undefined
    const result = await writeOutputs(stagingDir, archivePath, options.sourceDateEpoch ?? 0, zpa)
    report({ kind: 'info', text: `Successfully built package: ${archivePath}` })
    return { platform: target, path: archivePath, ...result, removals }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}

/** The archive and its sidecars, or (on any failure) none of them. */
async function writeOutputs(
  stagingDir: string,
  archivePath: string,
  mtime: number,
  zpa?: { definitionName: string; workDir: string },
): Promise<Omit<BuiltArchive, 'platform' | 'path' | 'removals'>> {
  mkdirSync(dirname(archivePath), { recursive: true })
  const sidecars = sidecarPaths(archivePath)
  const leftovers = [archivePath, `${archivePath}.tmp`, ...Object.values(sidecars).flatMap((p) => [p, `${p}.tmp`])]
  try {
    if (zpa) {
      const written = await writeZpa(archivePath, stagingDir, zpa.workDir, { definitionName: zpa.definitionName, mtime })
      const sums = await writeSidecars(archivePath, { installBytes: written.bytes, files: written.files, zoiFiles: true })
      return { sha512: sums.sha512, downSize: sums.down, installSize: sums.install, files: written.files }
    }
    const written = await writeArchive(archivePath, stagingDir, { mtime })
    const files = listDataFiles(written.entries)
    const sums = await writeSidecars(archivePath, { installBytes: written.bytes, files })
    return { sha512: sums.sha512, downSize: sums.down, installSize: sums.install, files }
  } catch (e) {
    for (const path of leftovers) rmSync(path, { force: true })
    throw e
  }
}

/** The yaml library, loaded on first use so that start-up does not pay for it. */
const yaml = (): typeof import('yaml') => require('yaml')

/** manifest.yaml: a YAML list of the files and links under data/ (Zoi's is not valid YAML; SPEC wants it valid). */
function manifestText(stagingDir: string): string {
  const entries: Array<{ path: string; type: 'file' | 'directory' | 'symlink'; mode: number; size: number }> = []
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const path = `${rel}/${name}`
      const st = lstatSync(join(dir, name))
      if (st.isDirectory()) walk(join(dir, name), path)
      else entries.push({ path, type: st.isSymbolicLink() ? 'symlink' : 'file', mode: 0, size: 0 })
    }
  }
  try {
    walk(join(stagingDir, 'data'), 'data')
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e
  }
  const files = listDataFiles(entries)
  return files.length === 0 ? '[]\n' : yaml().stringify(files)
}

function makeDir(dir: string): void {
  mkdirSync(dir)
  chmodSync(dir, 0o755)
}

function readDefinition(shown: string, path: string): string {
  if (!basename(path).endsWith('.lua')) throw new ZoiError('USAGE', `'${shown}' is not a .pkg.lua file`)
  try {
    return readFileSync(path, 'utf8')
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new ZoiError('NOT_FOUND', `package definition '${shown}' not found`)
    throw new ZoiError('PERMISSION', `cannot read '${shown}': ${describeError(e)}`, { cause: e })
  }
}

/** cmd()'s `git` is zoi itself, served from the source cache (only a compiled zoi can be that). */
export function gitShim(temp: string): string | undefined {
  const self = zoiExecutable()
  return self === undefined ? undefined : makeGitShim(join(temp, 'bin'), self)
}
