/**
 * `zoi key add|ls|rm|export|trust|untrust`: the OpenPGP keyring (SPEC §10) and the trust anchors in the
 * config. Adding a key never trusts it; only `key trust` (or editing the config) makes an anchor.
 */
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { updateConfigFile, type RegistryRef } from '../config/index.ts'
import type { Context } from '../context.ts'
import { ZoiError, errnoCode } from '../errors.ts'
import { isRemoteUrl, redactUrl } from '../platform/net.ts'
import { addKey, defaultKeyName, exportKey, loadKeyring, matchesKey, readKeysFrom, removeKey, type AddedKey, type RingKey } from '../trust/index.ts'

export interface KeyRow {
  name: string
  fingerprint: string
  userIds: string[]
  created: string
  expires: string | null
  revoked: string | null
  file: string
  /** Registries (or the policy) that name this key as an anchor. */
  trustedBy: string[]
}

export async function keyAdd(ctx: Context, source: string, name?: string): Promise<AddedKey> {
  const data = await readKeySource(ctx, source)
  const label = isRemoteUrl(source) ? redactUrl(source) : source
  const first = (await readKeysFrom(data, label))[0]!
  const keyName = name ?? defaultKeyName(source, first.getFingerprint().toUpperCase())
  return addKey(ctx.layout.pgpDir, data, { source: label, name: keyName })
}

/** A local file, or a URL fetched through the one network edge (refused offline). */
async function readKeySource(ctx: Context, source: string): Promise<Uint8Array> {
  if (isRemoteUrl(source)) {
    const tmp = join(ctx.layout.tmpDir, `key-${process.pid}.asc`)
    try {
      await ctx.net.download(source, tmp)
      return await readFile(tmp)
    } finally {
      await rm(tmp, { force: true })
      await rm(`${tmp}.part`, { force: true })
    }
  }
  try {
    return await readFile(source)
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new ZoiError('NOT_FOUND', `key file '${source}' does not exist`)
    throw new ZoiError('PERMISSION', `cannot read key file '${source}': ${errnoCode(e) ?? e}`)
  }
}

export async function keyList(ctx: Context): Promise<KeyRow[]> {
  const ring = await loadKeyring(ctx.layout.pgpDirs)
  return ring.map((k) => ({
    name: k.name,
    fingerprint: k.fingerprint,
    userIds: k.userIds,
    created: k.created.toISOString(),
    expires: k.expires?.toISOString() ?? null,
    revoked: k.revoked?.toISOString() ?? null,
    file: k.file,
    trustedBy: trustedBy(ctx, k),
  }))
}

function trustedBy(ctx: Context, k: RingKey): string[] {
  const c = ctx.config
  const refs = [c.default_registry, ...c.added_registries]
  const out = refs.filter((r) => (r.authorities ?? []).some((id) => matchesKey(id, k))).map((r) => r.handle || redactUrl(r.url))
  if ((c.policy.signature_enforcement?.trusted_keys ?? []).some((id) => matchesKey(id, k))) out.push('policy')
  return out
}

export async function keyRemove(ctx: Context, id: string): Promise<RingKey[]> {
  return removeKey(ctx.layout.pgpDir, id)
}

export async function keyExport(ctx: Context, id: string): Promise<string> {
  return exportKey(ctx.layout.pgpDirs, id)
}

/**
 * Make a keyring key an anchor of a registry (default: the default registry), recorded by its
 * full fingerprint: a name could later be re-pointed at another key file, a fingerprint cannot.
 */
export async function keyTrust(ctx: Context, id: string, registry?: string): Promise<{ fingerprint: string; registry: string }> {
  const hits = (await loadKeyring(ctx.layout.pgpDirs)).filter((k) => matchesKey(id, k))
  if (hits.length === 0) throw new ZoiError('NOT_FOUND', `no key '${id}' in the keyring`, { hint: "add it first with 'zoi key add <file.asc>'" })
  if (new Set(hits.map((k) => k.fingerprint)).size > 1) throw new ZoiError('USAGE', `'${id}' names several keys: give a fingerprint`)
  const fingerprint = hits[0]!.fingerprint
  const label = await editAuthorities(ctx, registry, (anchors) => [...new Set([...anchors, fingerprint])])
  return { fingerprint, registry: label }
}

/**
 * `zoi key untrust <key>`: the registry no longer requires signatures by that key. The key may
 * already be gone from the keyring (then name it by fingerprint or key id); the last anchor
 * removed means the registry's commits are accepted unsigned again, and the result says so.
 */
export async function keyUntrust(ctx: Context, id: string, registry?: string): Promise<{ removed: string[]; registry: string; remaining: number }> {
  const inRing = new Set((await loadKeyring(ctx.layout.pgpDirs)).filter((k) => matchesKey(id, k)).map((k) => k.fingerprint))
  let removed: string[] = []
  let remaining = 0
  const label = await editAuthorities(ctx, registry, (anchors, name) => {
    removed = anchors.filter((f) => inRing.has(f.toUpperCase()) || matchesKey(id, { name: '', fingerprint: f.toUpperCase() }))
    if (removed.length === 0) {
      throw new ZoiError('NOT_FOUND', `registry '${name}' does not require key '${id}'`, { hint: "'zoi key ls' shows which registries trust each key" })
    }
    const kept = anchors.filter((f) => !removed.includes(f))
    remaining = kept.length
    return kept
  })
  return { removed, registry: label, remaining }
}

/** Rewrites the authorities of one registry in the config zoi writes; returns its printable name. */
async function editAuthorities(ctx: Context, registry: string | undefined, edit: (anchors: string[], name: string) => string[]): Promise<string> {
  const matches = (r: RegistryRef) => registry === undefined || r.handle === registry.toLowerCase() || r.url === registry
  const nameOf = (r: RegistryRef) => r.handle || redactUrl(r.url)
  const apply = (r: RegistryRef): RegistryRef => {
    const { authorities, ...rest } = r
    const next = edit(authorities ?? [], nameOf(r))
    return next.length ? { ...rest, authorities: next } : rest
  }
  let label = ''
  await updateConfigFile(ctx.layout.configWriteFile, (cur) => {
    const def = cur.default_registry ?? ctx.config.default_registry
    if (matches(def)) {
      label = nameOf(def)
      return { default_registry: apply(def) }
    }
    const list = cur.added_registries ?? []
    const hit = list.find(matches)
    if (!hit) {
      const known = ctx.config.added_registries.some(matches)
      throw new ZoiError(known ? 'REFUSED' : 'NOT_FOUND', known
        ? `registry '${registry}' comes from a config file zoi does not write`
        : `no registry '${registry}'`, { hint: known ? `edit its authorities in ${ctx.layout.configFiles.join(' or ')}` : "see 'zoi sync list'" })
    }
    label = nameOf(hit)
    return { added_registries: list.map((r) => (r === hit ? apply(r) : r)) }
  })
  return label
}
