/**
 * Where a build operation's path argument points. Destinations name a staging root with a
 * placeholder (`${pkgstore}` → STAGING/data/[<sub>/]pkgstore, `${usrroot}`, `${usrhome}`);
 * sources may also be relative to BUILD_DIR, start with `${pkgluadir}` (the definition's folder),
 * or be absolute inside one of those folders. The lexical part here is pure string logic; the
 * symlink checks look at the disk, because cmd() can plant links anywhere in the build.
 */
import { lstatSync, realpathSync } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { errnoCode, ZoiError } from '../errors.ts'

export interface BuildRoots {
  buildDir: string
  /** STAGING_DIR; the placeholders map below `dataDir`. */
  stagingDir: string
  /** STAGING/data or STAGING/data/<sub>. */
  dataDir: string
  /** The definition's folder (`${pkgluadir}`). */
  definitionDir: string
}

/** A path checked to lie inside `root`; `label` names the root in messages. */
export interface RootedPath {
  path: string
  root: string
  label: string
  /** The folder zoi made that holds `root` (STAGING_DIR for placeholders): links are looked for from here. */
  base: string
}

export const PLACEHOLDERS = ['pkgstore', 'usrroot', 'usrhome'] as const
export type Placeholder = (typeof PLACEHOLDERS)[number]

/** A destination: must start with ${pkgstore}, ${usrroot} or ${usrhome}. */
export function resolveDestination(raw: string, roots: BuildRoots, what: string): RootedPath {
  const placed = placeholderPath(raw, roots, what)
  if (placed) return placed
  throw new ZoiError('UNSAFE_PATH', `${what}: destination '${raw}' must start with \${pkgstore}, \${usrroot} or \${usrhome}`, {
    hint: 'write e.g. zcp("bin/tool", "${pkgstore}/bin/tool")',
  })
}

/** A place to work in: a staging placeholder, or a path in BUILD_DIR (relative or absolute). */
export function resolveWorkPath(raw: string, roots: BuildRoots, what: string): RootedPath {
  return placeholderPath(raw, roots, what) ?? insideOneOf(raw, [{ root: roots.buildDir, label: 'BUILD_DIR' }], roots.buildDir, what)
}

/** A file to read: anything resolveWorkPath accepts, plus ${pkgluadir}/… and the definition's folder. */
export function resolveSource(raw: string, roots: BuildRoots, what: string): RootedPath {
  checkText(raw, what)
  if (raw.startsWith('${pkgluadir}')) return below(roots.definitionDir, '${pkgluadir}', raw.slice('${pkgluadir}'.length), raw, what)
  const placed = placeholderPath(raw, roots, what)
  if (placed) return placed
  const allowed = [
    { root: roots.buildDir, label: 'BUILD_DIR' },
    { root: roots.definitionDir, label: '${pkgluadir}' },
    { root: roots.stagingDir, label: 'STAGING_DIR' },
  ]
  return insideOneOf(raw, allowed, roots.buildDir, what)
}

/** The root folder a placeholder stands for in this (sub-)package. */
export function placeholderRoot(roots: BuildRoots, name: Placeholder): string {
  return join(roots.dataDir, name)
}

function placeholderPath(raw: string, roots: BuildRoots, what: string): RootedPath | undefined {
  checkText(raw, what)
  for (const name of PLACEHOLDERS) {
    const token = `\${${name}}`
    if (raw === token || raw.startsWith(`${token}/`) || raw.startsWith(`${token}\\`)) {
      return { ...below(placeholderRoot(roots, name), token, raw.slice(token.length), raw, what), base: roots.stagingDir }
    }
  }
  if (/\$\{[a-z]+\}/.test(raw)) {
    throw new ZoiError('UNSAFE_PATH', `${what}: '${raw}' uses a placeholder that is unknown here or not at its start`, {
      hint: 'use ${pkgstore}, ${usrroot} or ${usrhome} (and ${pkgluadir} for sources) as the first part of the path',
    })
  }
  return undefined
}

function insideOneOf(raw: string, allowed: { root: string; label: string }[], base: string, what: string): RootedPath {
  if (!isAbsolute(raw)) return below(base, allowed[0]!.label, raw, raw, what)
  const absolute = resolve(raw)
  for (const { root, label } of allowed) {
    if (isInside(root, absolute)) return { path: absolute, root, label, base: root }
  }
  const labels = allowed.map((a) => a.label).join(', ')
  throw new ZoiError('UNSAFE_PATH', `${what}: '${raw}' is outside the build (${labels})`, {
    hint: 'builds read only from their own folders; copy the file into BUILD_DIR with cmd() first if you really need it',
  })
}

/**
 * `rest` (after the placeholder, or a relative path) joined to `root` segment by segment; a `..`
 * that would climb above the root is refused, so `${pkgstore}/../../etc/passwd` never leaves it.
 */
function below(root: string, label: string, rest: string, raw: string, what: string): RootedPath {
  const parts: string[] = []
  for (const part of rest.split(/[\\/]+/)) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (parts.length === 0) throw escapes(raw, label, what)
      parts.pop()
    } else {
      parts.push(part)
    }
  }
  return { path: parts.length === 0 ? root : join(root, ...parts), root, label, base: root }
}

/** Whether `path` is `root` or below it (both absolute and normalised). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

function checkText(raw: string, what: string): void {
  if (raw === '') throw new ZoiError('BAD_DEFINITION', `${what}: empty path`)
  if (raw.includes('\0')) throw new ZoiError('UNSAFE_PATH', `${what}: path contains a NUL byte`)
}

function escapes(raw: string, label: string, what: string): ZoiError {
  return new ZoiError('UNSAFE_PATH', `${what}: '${raw}' escapes ${label}`, {
    hint: 'paths in a definition must stay inside the folder their placeholder names',
  })
}

/**
 * For a path we are about to write: no existing component below `base` down to the path itself
 * may be a symlink, since writing through one would land wherever it points (an earlier `zln`
 * or a cmd() could have planted `${pkgstore}/x -> /`). With final=false the path itself may be one.
 */
export function refuseSymlinks(target: RootedPath, what: string, options: { final?: boolean } = { final: true }): void {
  const rel = relative(target.base, target.path)
  const parts = rel === '' ? [] : rel.split(sep)
  const checks: string[] = []
  for (let i = 1; i <= parts.length; i++) checks.push(join(target.base, ...parts.slice(0, i)))
  if (options.final === false) checks.pop()
  for (const path of checks) {
    let isLink = false
    try {
      isLink = lstatSync(path).isSymbolicLink()
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return
      throw e
    }
    if (isLink) {
      const shown = isInside(target.root, path) ? `${target.label}${path === target.root ? '' : `/${relative(target.root, path)}`}` : path
      throw new ZoiError('UNSAFE_PATH', `${what}: '${shown}' is a symlink; zoi does not write through links`)
    }
  }
}

/** For a path we are about to read: after following every link it must still be inside its root. */
export function refuseEscapingSource(source: RootedPath, what: string): string {
  let real: string
  try {
    real = realpathSync(source.path)
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new ZoiError('BAD_DEFINITION', `${what}: '${source.path}' does not exist`)
    throw e
  }
  if (!isInside(realpathSync(source.root), real)) {
    throw new ZoiError('UNSAFE_PATH', `${what}: '${source.path}' leads outside ${source.label} through a symlink`)
  }
  return real
}
