/**
 * Getting upstream sources during a build: UTILS.EXTRACT (a URL or a file, unpacked into a
 * folder of BUILD_DIR), UTILS.FILE (a URL saved to a path), UTILS.DOWNLOAD (a URL saved in
 * BUILD_DIR, with an optional hash) and UTILS.FETCH.url (a URL as text). Every URL is served by
 * the source cache: a hit needs no network, a miss downloads through the Net (and is kept), and an
 * offline miss fails with exit 5 naming the URL.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ZoiError } from '../errors.ts'
import { isRemoteUrl, redactUrl } from '../platform/net.ts'
import { refuseEscapingSource, refuseSymlinks, resolveSource, resolveWorkPath } from './build-paths.ts'
import { hashFile } from '../archive/index.ts'
import { parseHashSpec } from './hash-spec.ts'
import type { OperationContext } from './host-operations.ts'
import { extractSource } from './source-extract.ts'

/** UTILS.EXTRACT(source, out_dir = "extracted"): returns the folder it unpacked into. */
export async function extractInto(ctx: OperationContext, source: string, outDir: string): Promise<string> {
  const out = resolveWorkPath(outDir, ctx.roots, 'UTILS.EXTRACT')
  // As in Zoi: sources are unpacked into a sub-folder of BUILD_DIR, never into staging or BUILD_DIR itself.
  if (out.label !== 'BUILD_DIR' || out.path === out.root) {
    throw new ZoiError('UNSAFE_PATH', `UTILS.EXTRACT: output folder '${outDir}' must be a sub-folder of BUILD_DIR`)
  }
  refuseSymlinks(out, 'UTILS.EXTRACT')
  const file = isRemoteUrl(source)
    ? await download(ctx, source, join(ctx.roots.buildDir, fileNameOf(source)))
    : refuseEscapingSource(resolveSource(source, ctx.roots, 'UTILS.EXTRACT'), 'UTILS.EXTRACT')
  await extractSource(file, out.path, basename(file))
  return out.path
}

/** UTILS.FILE(url, path): saves a URL (or copies a local file) to a path in BUILD_DIR or staging. */
export async function downloadFile(ctx: OperationContext, url: string, path: string): Promise<string> {
  const target = resolveWorkPath(path, ctx.roots, 'UTILS.FILE')
  refuseSymlinks(target, 'UTILS.FILE')
  mkdirSync(dirname(target.path), { recursive: true })
  if (isRemoteUrl(url)) await download(ctx, url, target.path)
  else copyFileSync(refuseEscapingSource(resolveSource(url, ctx.roots, 'UTILS.FILE'), 'UTILS.FILE'), target.path)
  return target.path
}

/** UTILS.DOWNLOAD(url, name?, hash?): saves a URL as BUILD_DIR/name; a given hash must match. */
export async function downloadNamed(ctx: OperationContext, url: string, name: string | undefined, hash: string | undefined): Promise<string> {
  if (!isRemoteUrl(url)) throw new ZoiError('BAD_DEFINITION', `UTILS.DOWNLOAD: '${url}' is not an http(s) URL`)
  const target = resolveWorkPath(name ?? fileNameOf(url), ctx.roots, 'UTILS.DOWNLOAD')
  if (target.label !== 'BUILD_DIR') throw new ZoiError('UNSAFE_PATH', `UTILS.DOWNLOAD: '${name}' must be a file in BUILD_DIR`)
  refuseSymlinks(target, 'UTILS.DOWNLOAD')
  mkdirSync(dirname(target.path), { recursive: true })
  // Bare hex is SHA-512 (as in Zoi); a SHA-512 known up front also lets hashed mirrors serve it.
  const spec = hash === undefined ? undefined : parseHashSpec(/^[0-9a-f]+$/i.test(hash) ? `sha512-${hash}` : hash)
  await download(ctx, url, target.path, spec?.algorithm === 'sha512' ? spec.hex : undefined)
  if (spec && spec.algorithm !== 'sha512' && (await hashFile(target.path, spec.algorithm)) !== spec.hex) {
    ctx.sources.forget(url)
    throw new ZoiError('INTEGRITY', `UTILS.DOWNLOAD: ${redactUrl(url)} does not match ${hash}`)
  }
  return target.path
}

/** UTILS.FETCH.url(url): the body as text (kept in the source cache like any other source). */
export async function fetchText(ctx: OperationContext, url: string): Promise<string> {
  if (!isRemoteUrl(url)) throw new ZoiError('BAD_DEFINITION', `UTILS.FETCH.url: '${url}' is not an http(s) URL`)
  return readFileSync((await ctx.sources.obtain(url)).path, 'utf8')
}

async function download(ctx: OperationContext, url: string, dest: string, sha512?: string): Promise<string> {
  const blob = await ctx.sources.obtain(url, sha512)
  copyFileSync(blob.path, dest)
  // verifyHash on this file judges the cached blob too (see host-operations.ts).
  ctx.fetched.set(dest, url)
  return dest
}

/** The last path segment of a URL, reduced to safe characters (a URL may name anything). */
export function fileNameOf(url: string): string {
  let name = ''
  try {
    name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '')
  } catch {
    name = ''
  }
  name = name.replace(/[^A-Za-z0-9._+-]/g, '_')
  return name === '' || /^\.+$/.test(name) ? 'download' : name
}
