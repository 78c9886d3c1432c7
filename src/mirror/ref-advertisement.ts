/**
 * The server's side of smart-HTTP reference discovery (protocol v0/v1): `GET info/refs?service=
 * git-upload-pack` answers HEAD, branches and tags (annotated tags also peeled), with the
 * capabilities this server implements. Other refs (zoi keeps the upstream tip under
 * refs/remotes/) are never advertised, so clients see the mirror's branches only.
 */
import type { TagObject } from 'isomorphic-git'
import { git } from '../registry/git-lib.ts'
import { gitFs as fs } from '../registry/git-swap.ts'
import { FLUSH, pktLine } from '../registry/git-pkt-line.ts'

export interface AdvertisedRefs {
  /** Ref name → commit or tag id, HEAD first. */
  refs: [string, string][]
  /** The branch HEAD names (`refs/heads/main`), when HEAD is symbolic. */
  headTarget?: string
  /** Every id a client may ask for (`want`): the advertised ids and the peeled tag targets. */
  tips: Set<string>
  /** `refs/tags/x^{}` lines for annotated tags. */
  peeled: [string, string][]
}

/**
 * No multi_ack: negotiation stays one round per request, which both isomorphic-git and git's
 * stateless HTTP client accept. `shallow` lets zoi sync fetch depth 1; side-band carries the pack.
 */
export const UPLOAD_PACK_CAPABILITIES = ['side-band', 'side-band-64k', 'shallow', 'no-progress', 'agent=zoi']

export async function listAdvertisedRefs(gitdir: string): Promise<AdvertisedRefs> {
  const refs: [string, string][] = []
  const peeled: [string, string][] = []
  let headTarget: string | undefined
  try {
    const head = await git.resolveRef({ fs, gitdir, ref: 'HEAD' })
    refs.push(['HEAD', head])
    const target = await git.resolveRef({ fs, gitdir, ref: 'HEAD', depth: 2 })
    if (target.startsWith('refs/')) headTarget = target
  } catch {
    // An empty repository (HEAD names an unborn branch) advertises no HEAD.
  }
  for (const prefix of ['refs/heads', 'refs/tags']) {
    const names = (await git.listRefs({ fs, gitdir, filepath: prefix })).sort()
    for (const name of names) {
      const ref = `${prefix}/${name}`
      const oid = await git.resolveRef({ fs, gitdir, ref })
      refs.push([ref, oid])
      if (prefix === 'refs/tags') {
        const target = await peelTag(gitdir, oid)
        if (target !== oid) peeled.push([`${ref}^{}`, target])
      }
    }
  }
  const tips = new Set([...refs.map(([, oid]) => oid), ...peeled.map(([, oid]) => oid)])
  return { refs, headTarget, tips, peeled }
}

/** The body of `info/refs?service=git-upload-pack`. */
export function encodeAdvertisement(adv: AdvertisedRefs): Uint8Array {
  const caps = [...UPLOAD_PACK_CAPABILITIES, ...(adv.headTarget ? [`symref=HEAD:${adv.headTarget}`] : [])].join(' ')
  const lines = [...adv.refs, ...adv.peeled]
  const parts: Uint8Array[] = [pktLine('# service=git-upload-pack\n'), FLUSH]
  if (lines.length === 0) parts.push(pktLine(`${'0'.repeat(40)} capabilities^{}\0${caps}\n`))
  lines.forEach(([name, oid], i) => parts.push(pktLine(i === 0 ? `${oid} ${name}\0${caps}\n` : `${oid} ${name}\n`)))
  parts.push(FLUSH)
  return Buffer.concat(parts)
}

/** An annotated tag's target (following tag chains); any other object is its own target. */
export async function peelTag(gitdir: string, oid: string): Promise<string> {
  let current = oid
  for (let i = 0; i < 8; i++) {
    const { type, object } = await git.readObject({ fs, gitdir, oid: current, format: 'parsed' })
    if (type !== 'tag') return current
    current = (object as TagObject).object
  }
  return current
}
