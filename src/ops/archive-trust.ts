/**
 * The signature rule for archives of a registry with trust anchors (SPEC §10): a detached
 * signature by an anchor key, judged at the signature's own time, and refused when it is dated
 * after both this machine's clock and the registry's HEAD commit (so a clock that is years
 * behind still accepts archives signed before the registry commit it synced).
 */
import { basename } from 'node:path'
import type { SignaturePolicy } from '../cache/index.ts'
import type { Context } from '../context.ts'
import { headCommit } from '../registry/git.ts'
import { commitTime } from '../registry/index.ts'
import { anchorKeys, anchorsForHandle, loadKeyring, verifyDetached, type Anchors, type RingKey } from '../trust/index.ts'

/** undefined when the registry (or, for local files, the policy) sets no anchors. */
export function archiveSignaturePolicy(ctx: Context, handle: string, registryDir?: string): SignaturePolicy | undefined {
  const anchors = anchorsForHandle(ctx.config, handle)
  if (anchors === undefined) return undefined
  let reference: Promise<Date> | undefined
  return {
    trusted: describeAnchors(anchors),
    async verify(archivePath, signature, sigSource) {
      const fileName = basename(archivePath)
      const ring = await keyringOf(ctx)
      const keys = anchorKeys(ring, anchors, `archive ${fileName}`)
      reference ??= referenceTime(registryDir)
      await verifyDetached({ subject: `archive ${fileName}`, data: { file: archivePath }, signature, sigSource }, keys, await reference, ring)
    },
  }
}

/** One keyring read per run, however many archives are checked. */
const rings = new WeakMap<Context, Promise<RingKey[]>>()
function keyringOf(ctx: Context): Promise<RingKey[]> {
  let ring = rings.get(ctx)
  if (ring === undefined) rings.set(ctx, (ring = loadKeyring(ctx.layout.pgpDirs)))
  return ring
}

function describeAnchors(a: Anchors): string {
  return a.ids.length === 0 ? `a key of ${a.origin} (which is empty)` : `${a.ids.map((id) => `'${id}'`).join(' or ')} (${a.origin})`
}

/** The later of the clock and the registry's HEAD commit time. */
async function referenceTime(registryDir: string | undefined): Promise<Date> {
  const now = Date.now()
  if (registryDir === undefined) return new Date(now)
  const head = await headCommit(registryDir).then((oid) => commitTime(registryDir, oid)).catch(() => undefined)
  return new Date(Math.max(now, head?.getTime() ?? 0))
}
