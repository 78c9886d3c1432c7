/**
 * Dependency strings (SPEC §4): `[manager:]package[@version | <op>version][:description]`.
 *
 * - The manager is recognised only if it is `zoi`, `native` or a known external manager (Zoi's
 *   managers.json); otherwise the whole string is a zoi dependency, so `ccache:faster builds`
 *   is zoi package `ccache` with a description, as in Zoi.
 * - zoi packages take the full reference `[#handle@][@repo/]name` (**FIX**: Zoi drops
 *   `zoi:@repo/name@1.2`). A sub-package is read only in source-string order, i.e. when a
 *   version follows it (`zoi:foo:dev@^1`); `zoi:foo:docs` stays a description, as in Zoi.
 * - The version is a constraint (constraint.ts), or a channel when it is a plain word
 *   (`zoi:foo@stable`, `zoi:foo@@beta`). For external managers the raw text is kept in
 *   `versionSpec` and `constraint` is filled only when it parses.
 */
import { ZoiError } from '../errors.ts'
import { ANY_CONSTRAINT, tryParseConstraint, type Constraint } from './constraint.ts'
import { NAME_PATTERN, readPackageRef } from './package-ref.ts'

export interface DependencySpec {
  readonly raw: string
  /** `zoi`, `native`, `apt`, `npm`, … (lower case). */
  readonly manager: string
  readonly name: string
  readonly handle?: string
  readonly repo?: string
  readonly sub?: string
  /** The version text as written after `@`, or with its operator (`>=3`). */
  readonly versionSpec?: string
  /** Parsed version range; any when absent, a channel, or unparsable for an external manager. */
  readonly constraint: Constraint
  /** Set when the version is a channel name rather than a range. */
  readonly channel?: string
  readonly description?: string
}

export const EXTERNAL_MANAGERS: ReadonlySet<string> = new Set(
  ('apt apt-get apk aur brew brew-cask bun cargo cargo-binstall choco composer conda dart-pub deno ' +
    'dnf dotnet eopkg flatpak gem go guix jsr macports mas nix npm pacman paru pikaur pip pipx pnpm ' +
    'portage scoop snap trizen uv volta winget yarn yay zig yum zypper xbps xbps-install native').split(' '),
)

const CHANNEL = /^[A-Za-z][A-Za-z0-9._-]*$/
const SUB_BEFORE_VERSION = new RegExp(`^:(${NAME_PATTERN})(?=[@=<>~^])`)
/** npm scopes (`@types/node`), Go paths (`github.com/x/y`), pip extras (`requests[socks]`). */
const EXTERNAL_NAME = /^@?[A-Za-z0-9][A-Za-z0-9._+\/-]*(?:\[[A-Za-z0-9._,-]*\])?/

export function isExternal(dep: DependencySpec): boolean {
  return dep.manager !== 'zoi'
}

/** Splits `manager:` off a string when it names a known manager. */
export function readManager(text: string): { manager: string; rest: string } | null {
  const match = /^([A-Za-z][A-Za-z0-9-]*):/.exec(text)
  const manager = match?.[1]?.toLowerCase()
  if (!match || manager === undefined) return null
  if (manager !== 'zoi' && !EXTERNAL_MANAGERS.has(manager)) return null
  return { manager, rest: text.slice(match[0].length) }
}

export function parseDependency(text: string): DependencySpec {
  const raw = text.trim()
  if (raw === '') throw invalid(raw, 'it is empty')
  const { manager, rest } = readManager(raw) ?? { manager: 'zoi', rest: raw }
  return manager === 'zoi' ? parseZoi(raw, rest) : parseExternal(raw, manager, rest)
}

function parseZoi(raw: string, text: string): DependencySpec {
  const read = readPackageRef(text)
  if (!read) throw invalid(raw, 'it does not start with a package name')
  let rest = read.rest
  const sub = SUB_BEFORE_VERSION.exec(rest)
  if (sub) rest = rest.slice(sub[0].length)
  const { versionSpec, description } = splitVersionAndDescription(raw, rest)
  const version: { versionSpec?: string; constraint?: Constraint; channel?: string } =
    versionSpec === undefined ? {} : readZoiVersion(raw, versionSpec)
  return {
    raw,
    manager: 'zoi',
    ...read.ref,
    ...(sub?.[1] ? { sub: sub[1] } : {}),
    ...version,
    constraint: version.constraint ?? ANY_CONSTRAINT,
    ...(description !== undefined ? { description } : {}),
  }
}

function parseExternal(raw: string, manager: string, text: string): DependencySpec {
  const name = EXTERNAL_NAME.exec(text)?.[0]
  if (name === undefined) throw invalid(raw, `no package name after '${manager}:'`)
  const { versionSpec, description } = splitVersionAndDescription(raw, text.slice(name.length))
  const constraint = versionSpec === undefined ? undefined : tryParseConstraint(versionSpec.replace(/^@/, ''))
  return {
    raw,
    manager,
    name,
    ...(versionSpec !== undefined ? { versionSpec } : {}),
    constraint: constraint ?? ANY_CONSTRAINT,
    ...(description !== undefined ? { description } : {}),
  }
}

/** After the name: `@spec` or `<op>spec`, then `:description`. Anything else is garbage. */
function splitVersionAndDescription(raw: string, rest: string): { versionSpec?: string; description?: string } {
  const match = /^(@[^:]*|[=<>~^][^:]*)?(?::(.*))?$/s.exec(rest)
  if (!match) throw invalid(raw, `unexpected '${rest}' after the package name`)
  const [, spec, description] = match
  if (description !== undefined && description.trim() === '') throw invalid(raw, 'the description after ":" is empty')
  return {
    ...(spec !== undefined ? { versionSpec: spec.startsWith('@') ? spec.slice(1) : spec } : {}),
    ...(description !== undefined ? { description: description.trim() } : {}),
  }
}

function readZoiVersion(raw: string, spec: string): { versionSpec: string; constraint?: Constraint; channel?: string } {
  if (spec.startsWith('@')) {
    const channel = spec.slice(1)
    if (!CHANNEL.test(channel)) throw invalid(raw, `'${channel}' is not a channel name`)
    return { versionSpec: spec, channel }
  }
  if (spec.trim() === '') throw invalid(raw, 'the version after "@" is empty')
  const constraint = tryParseConstraint(spec)
  if (constraint) return { versionSpec: spec, constraint }
  if (CHANNEL.test(spec)) return { versionSpec: spec, channel: spec }
  throw invalid(raw, `'${spec}' is neither a version constraint nor a channel`)
}

function invalid(raw: string, why: string): ZoiError {
  return new ZoiError('USAGE', `invalid dependency '${raw}': ${why}`, {
    hint: 'write it as [manager:]package[@version|<op>version][:description], e.g. zoi:openssl@^3',
  })
}
