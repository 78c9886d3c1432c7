/**
 * Building one (sub-)package: the definition runs in build mode and its lifecycle functions are
 * called in Zoi's order — prepare, build, package, then verify (which must return a boolean),
 * then test when asked for. The staging it fills is archived by build-package.ts.
 */
import { readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { ZoiError } from '../errors.ts'
import { startBuild, type BuildEvaluatorOptions, type LifecyclePhase, type PhaseResult, type TargetPlatform } from '../lua/index.ts'
import type { Report } from '../progress.ts'
import { firstMiss, sourceEnvironment, type SourceCache } from '../sources/index.ts'
import { refuseEscapingSource, type BuildRoots } from './build-paths.ts'
import { hostOperations } from './host-operations.ts'

export interface SubPackageBuild {
  source: string
  /** The definition's path as shown in messages. */
  file: string
  target: TargetPlatform
  version: string
  buildType: string
  /** '' for a package without sub-packages. */
  sub: string
  roots: BuildRoots
  sources: SourceCache
  /** The folder holding the `git` that is zoi itself, put first on cmd()'s PATH. */
  shimDir?: string
  /** Folders put on cmd()'s PATH after it (installed build dependencies). */
  toolDirs?: string[]
  /** Where that `git` notes sources it could not supply (read back when the build fails). */
  missesFile?: string
  report: Report
  commandTimeoutMs: number
  runTests: boolean
  limits?: BuildEvaluatorOptions
  /**
   * `skip-prepare`: BUILD_DIR already holds prepare()'s output (a `.zsa` with `.zoi-prepared`);
   * `prepare-only`: just fetch the sources (`package bundle`, `zoi source fetch`). Default: every phase.
   */
  phases?: 'all' | 'skip-prepare' | 'prepare-only'
}

/** Runs the lifecycle; returns the zrm() paths it recorded. */
export async function buildSubPackage(input: SubPackageBuild): Promise<string[]> {
  const removals: string[] = []
  const { roots } = input
  const host = hostOperations({
    roots,
    sources: input.sources,
    fetched: new Map(),
    report: input.report,
    removals,
    commandTimeoutMs: input.commandTimeoutMs,
    env: {
      BUILD_DIR: roots.buildDir, STAGING_DIR: roots.stagingDir, BUILD_TYPE: input.buildType, SUBPKG: input.sub,
      ...sourceEnvironment(input.sources, input.shimDir, input.missesFile, [...(input.toolDirs ?? []), process.env.PATH ?? ''].filter((d) => d !== '').join(delimiter)),
    },
  })
  const session = await startBuild({
    source: input.source,
    file: input.file,
    target: input.target,
    version: input.version,
    include: (relative) => readInclude(roots.definitionDir, relative),
    build: {
      buildDir: roots.buildDir,
      stagingDir: roots.stagingDir,
      buildType: input.buildType,
      sub: input.sub === '' ? undefined : input.sub,
      version: input.version,
    },
  }, host, input.limits)
  try {
    const phases = input.phases ?? 'all'
    if (phases !== 'skip-prepare') await session.run('prepare')
    if (phases === 'prepare-only') return removals
    for (const phase of ['build', 'package'] as const) await session.run(phase)
    checkVerdict(input.file, 'verify', await session.run('verify'))
    if (input.runTests) checkVerdict(input.file, 'test', await session.run('test'))
  } catch (e) {
    // A failure after cmd()'s git could not supply a source is that missing source (exit 5).
    const miss = input.missesFile === undefined ? undefined : firstMiss(input.missesFile)
    throw miss && !(e instanceof ZoiError && (e.code === 'OFFLINE' || e.code === 'NETWORK')) ? miss : e
  } finally {
    session.close()
  }
  return removals
}

/** verify() (and test()) must say true or false; nil is almost always a forgotten `return`. */
function checkVerdict(file: string, phase: LifecyclePhase, result: PhaseResult): void {
  if (!result.defined || (result.type === 'boolean' && result.value === true)) return
  if (result.type === 'boolean') {
    throw new ZoiError('INTEGRITY', `${file}: ${phase}() returned false; the package failed its own checks and was not built`)
  }
  if (result.type === 'nil') {
    throw new ZoiError('BAD_DEFINITION', `${file}: ${phase}() returned nil; it must return true or false`, {
      hint: 'did you forget to `return true`?',
    })
  }
  throw new ZoiError('BAD_DEFINITION', `${file}: ${phase}() returned a ${result.type}; it must return true or false`)
}

/** INCLUDE(file) in build mode: the path is already checked to stay in the folder; links may not lead out of it. */
export function readInclude(definitionDir: string, relative: string): string | undefined {
  const path = join(definitionDir, relative)
  try {
    return readFileSync(refuseEscapingSource({ path, root: definitionDir, label: '${pkgluadir}', base: definitionDir }, 'INCLUDE'), 'utf8')
  } catch (e) {
    if (e instanceof ZoiError && e.code === 'BAD_DEFINITION') return undefined
    throw e
  }
}
