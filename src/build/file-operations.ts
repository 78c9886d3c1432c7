/**
 * The staging operations of a definition: zcp, zln, zmkdir, zchmod, zlicense, zdoc. They act at
 * once (Zoi records and replays them; the result is the same) on paths checked by build-paths.ts.
 * Folders zoi creates get mode 755 whatever the umask, so archives do not depend on the machine.
 */
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync, unlinkSync } from 'node:fs'
import { basename, dirname, join, relative, sep } from 'node:path'
import { errnoCode, ZoiError } from '../errors.ts'
import {
  isInside,
  placeholderRoot,
  refuseEscapingSource,
  refuseSymlinks,
  resolveDestination,
  resolveSource,
  resolveWorkPath,
  type BuildRoots,
  type RootedPath,
} from './build-paths.ts'

/** zcp(src, dst): copies a file, or a folder recursively (merging into an existing folder). */
export function copyIntoStaging(roots: BuildRoots, src: string, dst: string, what = 'zcp'): void {
  const source = resolveSource(src, roots, what)
  const real = refuseEscapingSource(source, what)
  const target = resolveDestination(dst, roots, what)
  refuseSymlinks(target, what)
  makeDirs(target, dirname(target.path), what)
  if (statSync(real).isDirectory()) copyTree(real, target.path)
  else copyFile(real, target.path, what)
}

export function copyLicense(roots: BuildRoots, src: string): void {
  copyIntoStaging(roots, src, '${pkgstore}/LICENSE', 'zlicense')
}

export function copyDoc(roots: BuildRoots, src: string): void {
  const name = basename(src.replaceAll('\\', '/'))
  if (name === '' || name === '.' || name === '..') throw new ZoiError('BAD_DEFINITION', `zdoc: '${src}' does not name a file`)
  copyIntoStaging(roots, src, `\${pkgstore}/doc/${name}`, 'zdoc')
}

/** zmkdir(p): a folder in staging (placeholder) or in BUILD_DIR. */
export function makeDirectory(roots: BuildRoots, raw: string): void {
  const target = resolveWorkPath(raw, roots, 'zmkdir')
  refuseSymlinks(target, 'zmkdir')
  makeDirs(target, target.path, 'zmkdir')
}

/** zchmod(p, mode): mode "755"/"0755" or the number 755 (read as octal digits, as Zoi's docs write it). */
export function changeMode(roots: BuildRoots, raw: string, mode: string | number): void {
  const digits = typeof mode === 'number' && Number.isInteger(mode) ? String(mode) : typeof mode === 'string' ? mode.trim() : ''
  if (!/^0?[0-7]{3}$/.test(digits)) {
    throw new ZoiError('BAD_DEFINITION', `zchmod: mode ${JSON.stringify(mode)} is not three octal digits such as "755"`)
  }
  const target = resolveWorkPath(raw, roots, 'zchmod')
  // chmod follows symlinks: on a link it would change whatever the link points at.
  refuseSymlinks(target, 'zchmod')
  try {
    chmodSync(target.path, Number.parseInt(digits, 8))
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new ZoiError('BAD_DEFINITION', `zchmod: '${raw}' does not exist`)
    throw e
  }
}

/**
 * zln(target, link): a symlink in staging. The link is stored relative, so it still works once
 * installed: a placeholder target must be in the same root as the link, a relative target may not
 * climb out of it, and an absolute target is allowed only for links in ${usrroot} (where `/`
 * means the target root). Anything else would be refused when the archive is installed.
 */
export function makeLink(roots: BuildRoots, target: string, link: string): void {
  const where = resolveDestination(link, roots, 'zln')
  if (where.path === where.root) throw new ZoiError('UNSAFE_PATH', `zln: the link '${link}' would replace ${where.label} itself`)
  refuseSymlinks(where, 'zln', { final: false })
  const pointsAt = linkDestination(roots, target, where)
  if (!isInside(where.root, pointsAt)) {
    throw new ZoiError('UNSAFE_PATH', `zln: target '${target}' of '${link}' is outside ${where.label}`, {
      hint: 'a link may only point inside the root it is in (${pkgstore}, ${usrroot} or ${usrhome})',
    })
  }
  makeDirs(where, dirname(where.path), 'zln')
  const existing = lstatOrUndefined(where.path)
  if (existing?.isSymbolicLink()) unlinkSync(where.path)
  else if (existing) throw new ZoiError('BAD_DEFINITION', `zln: '${link}' already exists and is not a link`)
  symlinkSync(relative(dirname(where.path), pointsAt) || '.', where.path)
}

function linkDestination(roots: BuildRoots, target: string, where: RootedPath): string {
  if (target.startsWith('${')) return resolveDestination(target, roots, 'zln').path
  if (target.startsWith('/')) {
    if (where.root !== placeholderRoot(roots, 'usrroot')) {
      throw new ZoiError('UNSAFE_PATH', `zln: absolute target '${target}' is only allowed for links in \${usrroot}`)
    }
    return resolveDestination(`\${usrroot}${target}`, roots, 'zln').path
  }
  const relativeToRoot = relative(where.root, dirname(where.path)).split(sep).filter(Boolean).join('/')
  return resolveDestination(`${where.label}/${relativeToRoot}/${target}`, roots, 'zln').path
}

/** mkdir -p from the root down, each new folder mode 755, after the symlink check of its caller. */
function makeDirs(rooted: RootedPath, dir: string, what: string): void {
  const rel = relative(rooted.base, dir)
  let current = rooted.base
  for (const part of rel === '' ? [] : rel.split(sep)) {
    current = join(current, part)
    const st = lstatOrUndefined(current)
    if (st?.isDirectory()) continue
    if (st) throw new ZoiError('BAD_DEFINITION', `${what}: '${current}' exists and is not a folder`)
    mkdirSync(current)
    chmodSync(current, 0o755)
  }
}

function copyFile(from: string, to: string, what: string): void {
  const existing = lstatOrUndefined(to)
  if (existing?.isDirectory()) throw new ZoiError('BAD_DEFINITION', `${what}: destination '${to}' is a folder`)
  // copyFile would write through a link that is already there; replace the link instead.
  if (existing?.isSymbolicLink()) unlinkSync(to)
  copyFileSync(from, to)
  chmodSync(to, statSync(from).mode & 0o777)
}

/** Copies a folder; links inside are copied as links (the archive writer checks where they point). */
function copyTree(from: string, to: string): void {
  const existing = lstatOrUndefined(to)
  if (!existing) {
    mkdirSync(to)
    chmodSync(to, statSync(from).mode & 0o777)
  } else if (!existing.isDirectory()) {
    throw new ZoiError('BAD_DEFINITION', `zcp: cannot copy the folder '${from}' onto the file '${to}'`)
  }
  for (const name of readdirSync(from).sort()) {
    const source = join(from, name)
    const target = join(to, name)
    const st = lstatSync(source)
    if (st.isDirectory()) copyTree(source, target)
    else if (st.isSymbolicLink()) {
      if (lstatOrUndefined(target)) unlinkSync(target)
      symlinkSync(readlinkSync(source), target)
    } else if (st.isFile()) copyFile(source, target, 'zcp')
  }
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path)
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined
    throw e
  }
}
