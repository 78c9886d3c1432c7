/**
 * Finding and checking an archive's detached signature `<archive file name>.sig` (SPEC §10),
 * format-agnostic: beside the archive in every pkg-dir, in the cache, then (online) at each
 * candidate's `sigUrl` — the link's `pgp:` URL, else `<archive URL>.sig`, then every mirror.
 * What makes a signature good is the caller's policy (the trust module); this module only knows
 * where signatures live. A downloaded signature is cached only once it verified.
 */
import { mkdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ZoiError, isZoiError } from '../errors.ts'
import { redactUrl, type Net } from '../platform/net.ts'
import type { Report } from '../progress.ts'
import { INCOMING_DIR, type DownloadSource } from './download.ts'
import { isRegularFile } from './locate.ts'

export interface SignaturePolicy {
  /** Throws INTEGRITY unless `signature` is a good signature of the archive by a trusted key. */
  verify(archivePath: string, signature: Uint8Array, sigSource: string): Promise<void>
  /** The trusted keys, for the "no signature found" message. */
  trusted: string
}

export interface SignatureContext {
  net: Net
  cacheDir: string
  pkgDirs: readonly string[]
  report: Report
}

export function signatureName(fileName: string): string {
  return `${fileName}.sig`
}

export async function checkSignature(
  item: { fileName: string; candidates: readonly DownloadSource[]; signature: SignaturePolicy },
  archivePath: string,
  ctx: SignatureContext,
): Promise<{ source: string }> {
  const name = signatureName(item.fileName)
  const places = [...new Set([...ctx.pkgDirs.map((d) => join(d, name)), join(ctx.cacheDir, name), `${archivePath}.sig`])]
  const failures: ZoiError[] = []
  for (const place of places) {
    if (!(await isRegularFile(place))) continue
    try {
      await item.signature.verify(archivePath, await readFile(place), place)
      return { source: place }
    } catch (e) {
      if (!isZoiError(e, 'INTEGRITY')) throw e
      failures.push(e)
    }
  }
  const urls = item.candidates.flatMap((c) => (c.sigUrl ? [c.sigUrl] : []))
  if (!ctx.net.offline) {
    for (const url of urls) {
      try {
        return { source: await downloadSignature(url, archivePath, name, item.signature, ctx) }
      } catch (e) {
        if (!isZoiError(e, 'INTEGRITY') && !isZoiError(e, 'NETWORK') && !isZoiError(e, 'NOT_FOUND')) throw e
        if (e.code === 'INTEGRITY') failures.push(e)
        else ctx.report({ kind: 'warn', text: `no signature at ${redactUrl(url)}: ${e.message.split('\n')[0]}` })
      }
    }
  }
  // A signature that exists but is wrong is the finding that matters most: report it first.
  if (failures[0]) throw failures[0]
  const looked = [...places, ...(ctx.net.offline ? [] : urls.map(redactUrl))]
  throw new ZoiError('INTEGRITY', `no signature for archive ${item.fileName}, and its registry requires one by ${item.signature.trusted}; looked for ${looked.join(', ')}`, {
    hint: ctx.net.offline && urls.length > 0
      ? `offline: put ${name} beside the archive (in a --pkg-dir or ${ctx.cacheDir}); online it would be fetched from ${redactUrl(urls[0]!)}`
      : `put ${name} beside the archive, in a --pkg-dir or ${ctx.cacheDir}`,
    data: { file: item.fileName, looked },
  })
}

async function downloadSignature(url: string, archivePath: string, name: string, policy: SignaturePolicy, ctx: SignatureContext): Promise<string> {
  const staged = join(ctx.cacheDir, INCOMING_DIR, name)
  await mkdir(join(ctx.cacheDir, INCOMING_DIR), { recursive: true })
  try {
    await rm(`${staged}.part`, { force: true })
    await ctx.net.download(url, staged)
    await policy.verify(archivePath, await readFile(staged), redactUrl(url))
    const final = join(ctx.cacheDir, name)
    await rename(staged, final)
    return final
  } finally {
    await rm(staged, { force: true })
    await rm(`${staged}.part`, { force: true })
  }
}
