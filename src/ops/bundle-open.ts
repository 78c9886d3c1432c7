/**
 * Opening a bundle given as a folder or as its plain tar: the manifest alone (read straight out
 * of the tar), or the whole tree (a tar is unpacked into staging with the archive reader's path
 * checks, and removed again by `close`).
 */
import { existsSync } from 'node:fs'
import { readFile, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { extractArchive, readArchiveMember } from '../archive/index.ts'
import { BUNDLE_JSON, parseManifest, type BundleManifest } from '../bundle/manifest.ts'
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { makeStagingDir } from '../platform/fs.ts'
import { crypto } from '../platform/node-lazy.ts'

export interface OpenedManifest {
  path: string
  manifest: BundleManifest
  /** The exact bytes of bundle.json, and their SHA-512 (what `base` and import records name). */
  text: string
  sha512: string
  close(): Promise<void>
}

export interface OpenedBundle extends OpenedManifest {
  /** The bundle's folder (the tar's unpacked copy for a tar). */
  root: string
  isTar: boolean
}

export async function openBundleManifest(given: string): Promise<OpenedManifest> {
  const path = resolve(given)
  const kind = await bundleKind(path, given)
  const bytes = kind === 'dir'
    ? await readFile(join(path, BUNDLE_JSON)).catch(() => undefined)
    : await readArchiveMember(path, BUNDLE_JSON, { compression: 'none', maxBytes: 256 * 1024 * 1024 })
  if (bytes === undefined) throw new ZoiError('INTEGRITY', `${given}: no ${BUNDLE_JSON} (not a zoi bundle)`, { hint: "make one with 'zoi bundle create'" })
  return describe(path, given, bytes, async () => {})
}

export async function openBundle(ctx: Context, given: string): Promise<OpenedBundle> {
  const path = resolve(given)
  if ((await bundleKind(path, given)) === 'dir') {
    const opened = await openBundleManifest(given)
    return { ...opened, root: path, isTar: false }
  }
  const staging = await makeStagingDir(ctx.layout.tmpDir, 'bundle-open-')
  const root = join(staging, 'bundle')
  const close = () => rm(staging, { recursive: true, force: true })
  try {
    ctx.report({ kind: 'phase', phase: 'bundle', text: `Unpacking ${given}` })
    await extractArchive(path, root, { compression: 'none' })
    const bytes = await readFile(join(root, BUNDLE_JSON)).catch(() => undefined)
    if (bytes === undefined) throw new ZoiError('INTEGRITY', `${given}: no ${BUNDLE_JSON} (not a zoi bundle)`, { hint: "make one with 'zoi bundle create'" })
    return { ...describe(path, given, bytes, close), root, isTar: true }
  } catch (e) {
    await close()
    throw e
  }
}

/** Opens every bundle of `paths` in order for `fn`, and closes them however it ends. */
export async function withBundles<T>(ctx: Context, paths: readonly string[], fn: (bundles: OpenedBundle[]) => Promise<T>): Promise<T> {
  const bundles: OpenedBundle[] = []
  try {
    for (const path of paths) bundles.push(await openBundle(ctx, path))
    return await fn(bundles)
  } finally {
    for (const bundle of bundles) await bundle.close()
  }
}

function describe(path: string, given: string, bytes: Uint8Array, close: () => Promise<void>): OpenedManifest {
  const text = new TextDecoder().decode(bytes)
  const manifest = parseManifest(text, `${given}/${BUNDLE_JSON}`)
  const sha512 = crypto().createHash('sha512').update(bytes).digest('hex')
  return { path, manifest, text, sha512, close }
}

async function bundleKind(path: string, given: string): Promise<'dir' | 'tar'> {
  if (!existsSync(path)) throw new ZoiError('NOT_FOUND', `bundle '${given}' does not exist`)
  return (await stat(path)).isDirectory() ? 'dir' : 'tar'
}
