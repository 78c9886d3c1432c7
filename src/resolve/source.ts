/**
 * Install source strings (SPEC §3):
 *   `[#handle@][@repo/]name[:sub][@version]`, `name@@channel`, `name@channel`,
 *   `./path/file.pkg.lua[:sub][@version]` and `./path/file.pkg.tar.zst`.
 * `name@x` may be a channel or a version: only the package's `versions` map can tell, so the
 * raw `versionSpec` is kept and resolution decides. `name@@x` is always a channel.
 * Turning a local file into a package (handle `local`) is the caller's job; it then asks
 * the resolver for it by name.
 */
import { ZoiError } from '../errors.ts'
import { parseDependency, readManager, type DependencySpec } from './dependency.ts'
import { NAME_PATTERN, readPackageRef } from './package-ref.ts'

export interface NameSource {
  readonly kind: 'name'
  readonly raw: string
  readonly handle?: string
  readonly repo?: string
  readonly name: string
  readonly sub?: string
  /** Text after a single `@`: a channel or a version (constraint), decided at resolution. */
  readonly versionSpec?: string
  /** Text after `@@`: always a channel. */
  readonly channel?: string
}

export interface DefinitionFileSource {
  readonly kind: 'definition-file'
  readonly raw: string
  readonly path: string
  /** File name without `.pkg.lua`, lower-cased. */
  readonly name: string
  readonly sub?: string
  readonly versionSpec?: string
  readonly channel?: string
}

export interface ArchiveFileSource {
  readonly kind: 'archive-file'
  readonly raw: string
  readonly path: string
  /** From `<name>-<version>-<os>-<arch>.pkg.tar.zst`, when the file name follows it. */
  readonly name?: string
  readonly version?: string
  readonly platform?: string
}

export type SourceSpec = NameSource | DefinitionFileSource | ArchiveFileSource

const LOCAL_PREFIX = /^(?:\.{1,2}[\\/]|[\\/]|~[\\/]|[A-Za-z]:[\\/])/
const DEFINITION = '.pkg.lua'
const ARCHIVE = '.pkg.tar.zst'
/** Binary archives (`.pkg.tar.zst`, Zoi's `.zpa`) and Zoi's `.zsa` source bundles. */
const ARCHIVES = [ARCHIVE, '.zpa', '.zsa']
const SUFFIX = new RegExp(`^(?::(${NAME_PATTERN}))?(?:@(@?)([^@\\s]+))?$`)
const ARCHIVE_NAME = /^(.+?)-(v?\d[^-]*(?:-[^-]+)*?)-([a-z0-9]+-[a-z0-9]+)$/i

export function parseSource(text: string): SourceSpec {
  const raw = text.trim()
  if (raw === '') throw invalid(raw, 'it is empty')
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw invalid(raw, 'URL sources are not supported', 'download the file, then install ./<file>')
  if (ARCHIVES.some((a) => raw.toLowerCase().endsWith(a))) return parseArchive(raw)
  if (raw.includes(DEFINITION)) return parseDefinition(raw)
  if (LOCAL_PREFIX.test(raw)) throw invalid(raw, `a local source must be a ${DEFINITION} definition, a ${ARCHIVE} or .zpa archive, or a .zsa bundle`)
  return parseName(raw)
}

/**
 * One argument of `install`: an external-manager dependency (`apt:curl`, which is only
 * reported), or a source. A leading `zoi:` is accepted and dropped.
 */
export function parseInstallArgument(text: string): SourceSpec | DependencySpec {
  const raw = text.trim()
  const manager = readManager(raw)
  if (manager === null) return parseSource(raw)
  if (manager.manager !== 'zoi') return parseDependency(raw)
  return { ...parseSource(manager.rest), raw }
}

function parseName(raw: string): NameSource {
  const read = readPackageRef(raw)
  const suffix = read ? SUFFIX.exec(read.rest) : null
  if (!read || !suffix) throw invalid(raw, 'expected [#handle@][@repo/]name[:sub][@version]')
  const [, sub, at, spec] = suffix
  return { kind: 'name', raw, ...read.ref, ...(sub ? { sub } : {}), ...versionPart(at, spec) }
}

function parseDefinition(raw: string): DefinitionFileSource {
  const end = raw.lastIndexOf(DEFINITION) + DEFINITION.length
  const path = raw.slice(0, end)
  const suffix = SUFFIX.exec(raw.slice(end))
  const name = baseName(path).slice(0, -DEFINITION.length).toLowerCase()
  if (!suffix || name === '') throw invalid(raw, `expected ./path/name${DEFINITION}[:sub][@version]`)
  const [, sub, at, spec] = suffix
  return { kind: 'definition-file', raw, path, name, ...(sub ? { sub } : {}), ...versionPart(at, spec) }
}

function parseArchive(raw: string): ArchiveFileSource {
  const stem = baseName(raw).slice(0, -ARCHIVES.find((a) => raw.toLowerCase().endsWith(a))!.length)
  const match = ARCHIVE_NAME.exec(stem)
  if (!match) return { kind: 'archive-file', raw, path: raw }
  const [, name = '', version = '', platform = ''] = match
  return { kind: 'archive-file', raw, path: raw, name: name.toLowerCase(), version, platform: platform.toLowerCase() }
}

function versionPart(at: string | undefined, spec: string | undefined): { versionSpec?: string; channel?: string } {
  if (spec === undefined) return {}
  return at === '@' ? { channel: spec } : { versionSpec: spec }
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path
}

function invalid(raw: string, why: string, hint?: string): ZoiError {
  return new ZoiError('USAGE', `invalid source '${raw}': ${why}`, {
    hint: hint ?? 'examples: vim, vim@9.1.0, vim@@beta, @core/vim, #corp@extra/tool:dev, ./tool.pkg.lua',
  })
}
