/**
 * `zoi mirror push <dir> oci://host/namespace`: uploads every archive of a mirror (or bundle)
 * folder — with its sidecars and `.sig` — as one OCI artifact per archive, so an OCI registry
 * (Harbor, Artifactory, Nexus, Quay, Zot, the CNCF registry) can serve archives to clients that
 * name `oci://host/namespace` in `pkg:` links or `cache_mirrors`. Blobs are content-addressed by
 * sha256 and uploaded only when the registry lacks them; the manifest carries the SHA-512.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { OCI_MEDIA, OciSession, ociReference, parseOciTarget, readManifest, SHA512_ANNOTATION, TITLE, type OciDescriptor, type OciManifest } from '../cache/oci.ts'
import { hashFile } from '../archive/hash-file.ts'
import { ZoiError } from '../errors.ts'
import type { Net } from '../platform/net.ts'
import type { Report } from '../progress.ts'
import { crypto } from '../platform/node-lazy.ts'

export interface PushResult {
  target: string
  pushed: string[]
  unchanged: string[]
}

const ARCHIVE = /\.(pkg\.tar\.zst|zpa)$/
const EMPTY_CONFIG = new TextEncoder().encode('{}')

export async function pushArchives(opts: { dir: string; target: string; net: Net; report: Report }): Promise<PushResult> {
  let folder: string | undefined
  for (const d of [join(opts.dir, 'archives'), opts.dir]) {
    if ((await readdir(d).catch(() => [] as string[])).some((n) => ARCHIVE.test(n))) {
      folder = d
      break
    }
  }
  if (!folder) throw new ZoiError('NOT_FOUND', `${opts.dir} holds no archives (looked in archives/ and the folder itself)`, { hint: "make a mirror with 'zoi mirror <dir> --packages …' first" })
  const session = new OciSession(opts.net, parseOciTarget(opts.target))
  const files = (await readdir(folder)).filter((n) => ARCHIVE.test(n)).sort()
  const out: PushResult = { target: opts.target.replace(/\/\/[^@/]*@/, '//'), pushed: [], unchanged: [] }
  opts.report({ kind: 'phase', phase: 'mirror', text: `Pushing ${files.length} archive(s) to ${out.target}`, total: files.length })
  for (const [i, file] of files.entries()) {
    opts.report({ kind: 'advance', phase: 'mirror', loaded: i, total: files.length, item: file })
    const pushed = await pushOne(session, folder, file)
    ;(pushed ? out.pushed : out.unchanged).push(file)
  }
  return out
}

/** One blob to upload: bytes in memory (sidecars, the config) or a file streamed from disk (the archive). */
interface Layer {
  body: Uint8Array | Blob
  d: OciDescriptor
}

/** One artifact: config, archive layer, sidecar layers, manifest. False when the tag already matches. */
async function pushOne(session: OciSession, folder: string, file: string): Promise<boolean> {
  const ref = ociReference(file)
  const repo = session.repository(ref.name)
  // The archive is hashed and sent from disk: memory does not grow with its size.
  const path = join(folder, file)
  const sha512 = await hashFile(path, 'sha512')
  const archive: Layer = { body: Bun.file(path), d: { mediaType: OCI_MEDIA.archive, digest: `sha256:${await hashFile(path, 'sha256')}`, size: (await stat(path)).size, annotations: { [TITLE]: file } } }
  const layers: Layer[] = [archive]
  for (const suffix of ['.hash', '.size', '.files', '.sig']) {
    if (!existsSync(join(folder, file + suffix))) continue
    const bytes = new Uint8Array(await readFile(join(folder, file + suffix)))
    layers.push({ body: bytes, d: descriptor(bytes, suffix === '.sig' ? OCI_MEDIA.signature : OCI_MEDIA.sidecar, file + suffix) })
  }
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: OCI_MEDIA.manifest,
    artifactType: OCI_MEDIA.artifact,
    config: { mediaType: OCI_MEDIA.empty, digest: digestOf(EMPTY_CONFIG), size: EMPTY_CONFIG.length },
    layers: layers.map((l) => l.d),
    annotations: { [TITLE]: file, [SHA512_ANNOTATION]: sha512 },
  }
  const body = new TextEncoder().encode(JSON.stringify(manifest))
  const existing = await readManifest(session, ref.name, ref.tag)
  if (existing && JSON.stringify(existing) === JSON.stringify(manifest)) return false
  await uploadBlob(session, repo, { body: EMPTY_CONFIG, d: manifest.config })
  for (const l of layers) await uploadBlob(session, repo, l)
  const res = await session.request(`${repo}/manifests/${ref.tag}`, { method: 'PUT', headers: { 'content-type': OCI_MEDIA.manifest }, body, scope: `repository:${repo}:pull,push` })
  await expectOk(res, `PUT manifest ${repo}:${ref.tag}`, session)
  return true
}

/** Monolithic upload (POST then PUT ?digest=), skipped when the registry already has the blob. */
async function uploadBlob(session: OciSession, repo: string, layer: Layer): Promise<void> {
  const digest = layer.d.digest
  const scope = `repository:${repo}:pull,push`
  const head = await session.request(`${repo}/blobs/${digest}`, { method: 'HEAD', scope })
  for await (const _ of head.body);
  if (head.status === 200) return
  const start = await session.request(`${repo}/blobs/uploads/`, { method: 'POST', scope })
  await expectOk(start, `start upload to ${repo}`, session)
  const location = start.headers.location
  if (!location) throw new ZoiError('NETWORK', `OCI registry ${session.target.host} started an upload without a Location`)
  const url = new URL(location, `${session.target.base}/`)
  url.searchParams.set('digest', digest)
  const put = await session.request(url.toString(), { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: layer.body, scope })
  await expectOk(put, `upload ${digest.slice(0, 19)}… to ${repo}`, session)
}

async function expectOk(res: { status: number; body: AsyncIterable<Uint8Array> }, what: string, session: OciSession): Promise<void> {
  const chunks: Uint8Array[] = []
  for await (const c of res.body) chunks.push(c)
  if (res.status >= 200 && res.status <= 299) return
  const detail = Buffer.concat(chunks).toString('utf8').slice(0, 200).replace(/\s+/g, ' ')
  throw new ZoiError('NETWORK', `OCI registry ${session.target.host}: ${what} answered HTTP ${res.status}${detail ? `: ${detail}` : ''}`)
}

function descriptor(bytes: Uint8Array, mediaType: string, title: string): OciDescriptor {
  return { mediaType, digest: digestOf(bytes), size: bytes.length, annotations: { [TITLE]: title } }
}

function digestOf(bytes: Uint8Array): string {
  return `sha256:${crypto().createHash('sha256').update(bytes).digest('hex')}`
}
