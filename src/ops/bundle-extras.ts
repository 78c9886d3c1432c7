/**
 * What an air-gap bundle carries besides registries and archives, and how it proves who made
 * it: the public keys its registries are anchored to (`keys/`), the cached sources of its
 * closure (`sources/`, the hashed-mirror layout), and a detached OpenPGP signature of
 * `bundle.json`. Keys travel but are never trusted by travelling: verification uses `--key`
 * files or the keys already in the keyring here.
 */
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BUNDLE_DIRS, BUNDLE_JSON, BUNDLE_SIG, isSafeBundlePath } from '../bundle/manifest.ts'
import type { Context } from '../context.ts'
import { ZoiError, errnoCode, isZoiError } from '../errors.ts'
import { writeFileAtomic } from '../platform/fs.ts'
import { exportSources, readIndex } from '../sources/index.ts'
import { addKey, anchorKeys, anchorsForHandle, describeKey, exportKey, loadKeyring, readKeysFrom, signDetached, verifyDetached, type RingKey } from '../trust/index.ts'
import { sourceAdd } from './source.ts'

/** The anchor keys of every bundled registry, as `keys/<name>.asc`; returns their names. */
export async function writeAnchorKeys(ctx: Context, dir: string, handles: readonly string[]): Promise<string[]> {
  const ring = await loadKeyring(ctx.layout.pgpDirs)
  const keys = new Map<string, RingKey>()
  for (const handle of handles) {
    const anchors = anchorsForHandle(ctx.config, handle)
    if (anchors) for (const k of anchorKeys(ring, anchors, `registry '${handle}'`)) keys.set(k.name, k)
  }
  if (keys.size > 0) await mkdir(join(dir, BUNDLE_DIRS.keys), { recursive: true })
  for (const k of keys.values()) await writeFileAtomic(join(dir, BUNDLE_DIRS.keys, `${k.name}.asc`), await exportKey(ctx.layout.pgpDirs, k.fingerprint))
  return [...keys.keys()].sort()
}

/** The cached sources of the closure's packages, in the hashed-mirror layout under `sources/`. */
export function writeSources(ctx: Context, dir: string, packages: ReadonlySet<string>): { files: number; git: number } {
  const r = exportSources(ctx.layout.sourceCacheDir, dir, (users) => users.some((p) => packages.has(p)))
  return { files: r.files.length, git: r.git.length }
}

/** `--sign <secret.asc>`: a binary detached signature of the exact bytes of bundle.json. */
export async function signManifest(dir: string, keyFile: string, passphrase: () => Promise<string>): Promise<string> {
  const data = await readFile(keyFile).catch((e: unknown) => {
    throw new ZoiError(errnoCode(e) === 'ENOENT' ? 'NOT_FOUND' : 'PERMISSION', `cannot read secret key '${keyFile}': ${errnoCode(e) ?? e}`)
  })
  const { signature, fingerprint } = await signDetached(await readFile(join(dir, BUNDLE_JSON)), { source: keyFile, data, passphrase })
  await writeFileAtomic(join(dir, BUNDLE_SIG), signature)
  return fingerprint
}

export interface SignatureState {
  signed: boolean
  signer?: string
  /** Set when the signature is missing or bad and that matters. */
  problem?: string
  warning?: string
}

/**
 * The bundle's signature against `keyFiles` (or, without any, every key of the keyring here);
 * judged at the later of the clock and the bundle's `created` time. Unsigned is a warning,
 * or a problem under signature enforcement.
 */
export async function checkManifestSignature(ctx: Context, root: string, created: string, keyFiles: readonly string[]): Promise<SignatureState> {
  const sigPath = join(root, BUNDLE_SIG)
  if (!existsSync(sigPath)) {
    const enforced = ctx.config.policy.signature_enforcement?.enable === true
    return enforced
      ? { signed: false, problem: `${BUNDLE_JSON} is not signed, and signature enforcement is on` }
      : { signed: false, warning: `${BUNDLE_JSON} is not signed: the files match its manifest, but nothing says who made it` }
  }
  const keys: RingKey[] = []
  for (const file of keyFiles) {
    const data = await readFile(file).catch(() => {
      throw new ZoiError('NOT_FOUND', `--key ${file} does not exist`)
    })
    for (const key of await readKeysFrom(data, file)) keys.push({ name: file, file, key, ...(await describeKey(key)) })
  }
  const ring = await loadKeyring(ctx.layout.pgpDirs)
  const trusted = keys.length > 0 ? keys : ring
  if (trusted.length === 0) return { signed: true, problem: `${BUNDLE_SIG} cannot be checked: no --key given and the keyring here is empty` }
  const notAfter = new Date(Math.max(Date.now(), Date.parse(created) || 0))
  try {
    const check = await verifyDetached({ subject: BUNDLE_JSON, data: await readFile(join(root, BUNDLE_JSON)), signature: await readFile(sigPath), sigSource: BUNDLE_SIG }, trusted, notAfter, ring)
    return { signed: true, signer: check.signer }
  } catch (e) {
    if (!isZoiError(e)) throw e
    return { signed: true, problem: e.message }
  }
}

/** Keys under `keys/` go into the keyring here, untrusted; a name already holding another key stays. */
export async function importBundleKeys(ctx: Context, root: string): Promise<number> {
  const dir = join(root, BUNDLE_DIRS.keys)
  let n = 0
  for (const f of (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.asc'))) {
    try {
      await addKey(ctx.layout.pgpDir, await readFile(join(dir, f)), { source: `bundle key ${f}`, name: f.slice(0, -'.asc'.length) })
      n++
    } catch (e) {
      if (!isZoiError(e)) throw e
      ctx.report({ kind: 'warn', text: `bundle key ${f} not imported: ${e.message}` })
    }
  }
  return n
}

/** Every source the bundle carries goes into the source cache here, checked as `source add` checks. */
export async function importBundleSources(ctx: Context, root: string): Promise<number> {
  const dir = join(root, BUNDLE_DIRS.sources)
  if (!existsSync(dir)) return 0
  const index = readIndex(dir)
  // The index is the bundle's word: it may name files inside the bundle's sources/ only.
  const refused = (what: string, value: unknown) =>
    new ZoiError('INTEGRITY', `bundle ${root}: ${BUNDLE_DIRS.sources}/index.json names ${what} as ${JSON.stringify(value)}, not a file of its ${BUNDLE_DIRS.sources}/ folder`, {
      hint: 'make the bundle again on the online machine',
    })
  // Every entry is checked before any is added.
  const adds: [file: string, url: string][] = []
  for (const [url, entry] of Object.entries(index.urls)) {
    if (!/^[0-9a-f]{128}$/.test(String(entry?.sha512))) throw refused(`the file of ${url}`, entry?.sha512)
    adds.push([join(dir, 'sha512', entry.sha512), url])
  }
  for (const [url, entry] of Object.entries(index.git)) {
    if (typeof entry?.repo !== 'string' || !isSafeBundlePath(entry.repo)) throw refused(`the repository of ${url}`, entry?.repo)
    adds.push([join(dir, entry.repo), url])
  }
  for (const [file, url] of adds) await sourceAdd(ctx, file, url)
  return adds.length
}
