/**
 * Registry trust at sync time (SPEC §10): with anchors, every new HEAD must be signed by one of
 * them before it replaces the clone; and the keys a registry offers in its repo.yaml `pgp:` are
 * imported into the keyring (online only) but never become anchors by that alone.
 */
import type { RegistryRef } from '../config/index.ts'
import type { Context } from '../context.ts'
import { isZoiError } from '../errors.ts'
import { isRemoteUrl, redactUrl } from '../platform/net.ts'
import { verifyCommit, type RepoYaml } from '../registry/index.ts'
import { addKey, anchorKeys, anchorsForRef, loadKeyring } from '../trust/index.ts'

export type HeadVerifier = (gitdir: string, oid: string) => Promise<void>

/** undefined when the registry has no anchors (unsigned commits are accepted, as in Zoi). */
export async function commitVerifier(ctx: Context, ref: RegistryRef): Promise<HeadVerifier | undefined> {
  const label = ref.handle || redactUrl(ref.url)
  const anchors = anchorsForRef(ctx.config, ref, label)
  if (anchors === undefined) return undefined
  const ring = await loadKeyring(ctx.layout.pgpDirs)
  const keys = anchorKeys(ring, anchors, `registry '${label}'`)
  return async (gitdir, oid) => {
    const check = await verifyCommit(gitdir, oid, { label, keys, ring })
    ctx.report({ kind: 'info', text: `commit ${oid.slice(0, 12)} of '${label}' is signed by '${check.signer}' (${check.fingerprint})` })
  }
}

const KEYSERVER = 'https://keys.openpgp.org/vks/v1/by-fingerprint/'

/** Import repo.yaml `pgp:` keys: a URL, a fingerprint (keys.openpgp.org) or armored text. Failures only warn. */
export async function importRegistryKeys(ctx: Context, repo: RepoYaml): Promise<void> {
  for (const entry of repo.keys) {
    try {
      const fpr = entry.key.replace(/\s+/g, '').toUpperCase()
      const text = entry.key.includes('-----BEGIN PGP') ? entry.key
        : isRemoteUrl(entry.key) ? await ctx.net.getText(entry.key)
        : /^[0-9A-F]{40}$/.test(fpr) ? await ctx.net.getText(KEYSERVER + fpr)
        : undefined
      if (text === undefined) throw new Error(`'${entry.key}' is not a URL, a fingerprint or an armored key`)
      const added = await addKey(ctx.layout.pgpDir, new TextEncoder().encode(text), { source: `repo.yaml of '${repo.handle}'`, name: entry.name })
      if (added.changed) ctx.report({ kind: 'info', text: `imported key '${added.name}' (${added.fingerprint}) offered by registry '${repo.handle}' (not trusted until 'zoi key trust ${added.name}')` })
    } catch (e) {
      const why = isZoiError(e) ? e.message : e instanceof Error ? e.message : String(e)
      ctx.report({ kind: 'warn', text: `cannot import key '${entry.name}' of registry '${repo.handle}': ${why}` })
    }
  }
}
