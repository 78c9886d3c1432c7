/**
 * The choices `package build` makes from a definition before building, as Zoi makes them: the
 * build type, the version and the sub-packages. Pure functions of the PackageSpec and the flags.
 */
import { ZoiError } from '../errors.ts'
import type { PackageSpec } from '../lua/index.ts'

/** The requested type (it must be listed), else pre-compiled, else source, else the first listed. */
export function chooseBuildType(spec: PackageSpec, requested?: string): string {
  if (requested !== undefined) {
    if (spec.types.length > 0 && !spec.types.includes(requested)) {
      throw new ZoiError('USAGE', `build type '${requested}' is not supported by package '${spec.name}'; supported types: ${spec.types.join(', ')}`)
    }
    return requested
  }
  if (spec.types.includes('pre-compiled')) return 'pre-compiled'
  if (spec.types.includes('source')) return 'source'
  return spec.types[0] ?? 'source'
}

/** The override, else the `stable` channel, else the alphabetically first channel, else `version`. */
export function chooseVersion(spec: PackageSpec, override?: string): string {
  if (override !== undefined) return checkSegment(override, 'version', spec.name)
  const channels = Object.keys(spec.versions).sort()
  const channel = 'stable' in spec.versions ? 'stable' : channels[0]
  const version = channel === undefined ? spec.version : spec.versions[channel]
  if (version === undefined || version === '') {
    throw new ZoiError('BAD_DEFINITION', `package '${spec.name}' declares no version and no versions channel`, {
      hint: 'give one with --version-override',
    })
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(version)) {
    throw new ZoiError('NOT_IMPLEMENTED', `package '${spec.name}' takes its version from a URL (${version}), which package build does not resolve`, {
      hint: 'give the version with --version-override',
    })
  }
  return checkSegment(version, 'version', spec.name)
}

/** `--sub` names (each must be declared), else every declared sub-package, else none (['']). */
export function chooseSubs(spec: PackageSpec, requested?: readonly string[]): string[] {
  if (requested !== undefined && requested.length > 0) {
    for (const sub of requested) {
      if (!spec.subPackages.includes(sub)) {
        const known = spec.subPackages.length > 0 ? spec.subPackages.join(', ') : 'none'
        throw new ZoiError('USAGE', `package '${spec.name}' has no sub-package '${sub}' (sub-packages: ${known})`)
      }
    }
    return [...new Set(requested)]
  }
  for (const sub of spec.subPackages) checkSegment(sub, 'sub-package name', spec.name)
  return spec.subPackages.length > 0 ? [...spec.subPackages] : ['']
}

/** Names that become parts of file names and archive paths: one plain path segment each. */
export function checkSegment(value: string, what: string, packageName: string): string {
  if (value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value) || value.length > 200) {
    throw new ZoiError('BAD_DEFINITION', `package '${packageName}': ${what} '${value}' cannot be used in a file name`)
  }
  return value
}
