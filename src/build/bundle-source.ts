/**
 * `.zsa` source bundles (SPEC §9, reference §3), Zoi's layout: everything at the archive root —
 * the definition and the files of its folder, prepare()'s output (the fetched sources, as
 * BUILD_DIR holds them), and an empty `.zoi-prepared` marker. `bundleSource` runs prepare() with
 * the network and packs the bundle reproducibly (through writeArchive) with `.hash` and `.size`
 * beside it; `unpackBundle` extracts one with the archive reader's checks, ready for a
 * build with prepare() skipped.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { extractArchive, sidecarPaths, writeArchive, writeSidecars } from '../archive/index.ts'
import { ZoiError } from '../errors.ts'
import { createEvaluator } from '../lua/index.ts'
import { hostPlatform } from '../platform/arch.ts'
import type { Net } from '../platform/net.ts'
import { silent, type Report } from '../progress.ts'
import { SourceCache } from '../sources/index.ts'
import { chooseBuildType, chooseVersion, checkSegment } from './build-choices.ts'
import { gitShim } from './build-package.ts'
import { buildSubPackage, readInclude } from './lifecycle.ts'

export const PREPARED_MARKER = '.zoi-prepared'

export interface BundleOptions {
  definition: string
  /** Default: the definition's folder. */
  outputDir?: string
  versionOverride?: string
  buildType?: string
  net: Net
  /** The run's source cache, which prepare()'s fetches fill; default: a throw-away one. */
  sourceCache?: { dir: string; mirrors: readonly string[] }
  report?: Report
  sourceDateEpoch?: number
  tempDir?: string
}

export interface BuiltBundle {
  path: string
  sha512: string
  downSize: number
  installSize: number
}

export async function bundleSource(options: BundleOptions): Promise<BuiltBundle> {
  const report = options.report ?? silent
  const definition = resolve(options.definition)
  const definitionDir = realpathSync(dirname(definition))
  const source = readFileSync(definition, 'utf8')
  const target = hostPlatform()
  const evaluator = createEvaluator()
  let spec
  try {
    const evaluate = (version?: string) => evaluator.evaluate({ source, file: options.definition, target, version, include: (rel) => readInclude(definitionDir, rel) })
    spec = await evaluate(options.versionOverride)
    if (options.versionOverride === undefined) spec = await evaluate(chooseVersion(spec, undefined))
  } finally {
    evaluator.close()
  }
  const version = chooseVersion(spec, options.versionOverride)
  const name = checkSegment(spec.name, 'name', spec.name)
  const tempParent = options.tempDir ?? tmpdir()
  mkdirSync(tempParent, { recursive: true })
  const temp = realpathSync(mkdtempSync(join(tempParent, `zoi-bundle-${name}-`)))
  try {
    const tree = join(temp, 'tree')
    const fetch = join(temp, 'fetch')
    const staging = join(temp, 'staging')
    for (const d of [tree, fetch, staging]) mkdirSync(d)
    report({ kind: 'phase', phase: 'build', text: `fetching the sources of ${name} ${version} (prepare)` })
    await buildSubPackage({
      source, file: options.definition, target, version, // Zoi's BUILD_TYPE for bundling: --type, else `source`.
      buildType: options.buildType === undefined ? 'source' : chooseBuildType(spec, options.buildType), sub: '',
      roots: { buildDir: fetch, stagingDir: staging, dataDir: join(staging, 'data'), definitionDir },
      sources: new SourceCache({ ...(options.sourceCache ?? { dir: join(temp, 'sources'), mirrors: [] }), net: options.net, report, pkg: name }),
      shimDir: gitShim(temp), missesFile: join(temp, 'source-misses'),
      report, commandTimeoutMs: 30 * 60_000, runTests: false, phases: 'prepare-only',
    })
    // The definition's folder (a superset of what Zoi collects: relative zcp sources build too),
    // then prepare()'s output over it, as BUILD_DIR will hold it again.
    for (const entry of readdirSync(definitionDir)) {
      if (entry === '.git') continue
      cpSync(join(definitionDir, entry), join(tree, entry), { recursive: true, verbatimSymlinks: true })
    }
    cpSync(fetch, tree, { recursive: true, verbatimSymlinks: true, force: true })
    writeFileSync(join(tree, PREPARED_MARKER), '')
    const outputDir = resolve(options.outputDir ?? dirname(definition))
    mkdirSync(outputDir, { recursive: true })
    const path = join(outputDir, `${name}-${version}.zsa`)
    try {
      const written = await writeArchive(path, tree, { mtime: options.sourceDateEpoch ?? 0 })
      const sums = await writeSidecars(path, { installBytes: written.bytes })
      report({ kind: 'info', text: `Successfully bundled: ${path}` })
      return { path, sha512: sums.sha512, downSize: sums.down, installSize: sums.install }
    } catch (e) {
      for (const p of [path, ...Object.values(sidecarPaths(path))]) rmSync(p, { force: true })
      throw e
    }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}

/**
 * Extracts a `.zsa` into `dir` (new or empty) and returns its definition: the `*.pkg.lua` at the
 * root (the first by name, as there should be one). A bundle without `.zoi-prepared` is refused:
 * building it would need prepare() after all.
 */
export async function unpackBundle(bundle: string, dir: string): Promise<{ definition: string; dir: string }> {
  await extractArchive(bundle, dir)
  const names = readdirSync(dir).sort()
  const def = names.find((n) => n.endsWith('.pkg.lua'))
  if (def === undefined) throw new ZoiError('INTEGRITY', `${basename(bundle)}: holds no <name>.pkg.lua at its root`, { hint: "make bundles with 'zoi package bundle <file.pkg.lua>'" })
  if (!names.includes(PREPARED_MARKER)) {
    throw new ZoiError('INTEGRITY', `${basename(bundle)}: has no ${PREPARED_MARKER} marker, so its sources were never prepared`, { hint: "make bundles with 'zoi package bundle <file.pkg.lua>'" })
  }
  return { definition: join(dir, def), dir }
}
