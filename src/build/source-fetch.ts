/**
 * Getting upstream sources during a build: UTILS.EXTRACT (a URL or a file, unpacked into a
 * folder of BUILD_DIR), UTILS.FILE (a URL saved to a path) and UTILS.FETCH.url (a URL as text).
 * Every download goes through the Net, so an offline build fails here with exit 5 naming the URL.
 */
import { copyFileSync, mkdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ZoiError } from '../errors.ts'
import { isRemoteUrl, redactUrl } from '../platform/net.ts'
import { refuseEscapingSource, refuseSymlinks, resolveSource, resolveWorkPath } from './build-paths.ts'
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

/** UTILS.FETCH.url(url): the body as text. */
export async function fetchText(ctx: OperationContext, url: string): Promise<string> {
  if (!isRemoteUrl(url)) throw new ZoiError('BAD_DEFINITION', `UTILS.FETCH.url: '${url}' is not an http(s) URL`)
  ctx.report({ kind: 'info', text: `fetching ${redactUrl(url)}` })
  return ctx.net.getText(url)
}

async function download(ctx: OperationContext, url: string, dest: string): Promise<string> {
  ctx.report({ kind: 'info', text: `downloading ${redactUrl(url)}` })
  await ctx.net.download(url, dest)
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
