/**
 * Editing which registries are configured (`sync set/add/remove/list`) and the flat archive
 * mirrors (`cache mirror add/remove/ls`). These only touch the writable config file, plus the
 * removed registry's own clone and index.
 */
import { rm } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { REGISTRY_KEYWORDS, readConfigFile, updateConfigFile, type RegistryRef } from '../config/index.ts'
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { isOciUrl } from '../cache/index.ts'
import { isRemoteUrl, redactUrl } from '../platform/net.ts'
import { isRegistryHandle } from '../registry/index.ts'

/** A registry URL as stored: keywords expanded, local paths made absolute. */
export function normalizeRegistryUrl(input: string): string {
  const keyword = REGISTRY_KEYWORDS[input]
  if (keyword) return keyword
  if (isRemoteUrl(input)) return input.replace(/\/+$/, '')
  if (/^file:\/\//i.test(input)) return resolve(decodeURIComponent(input.slice('file://'.length)))
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
    throw new ZoiError('USAGE', `unsupported registry URL '${input}': use http(s)://, file:// or a local directory`)
  }
  return isAbsolute(input) ? input : resolve(input)
}

export async function setDefaultRegistry(ctx: Context, input: string): Promise<RegistryRef> {
  const url = normalizeRegistryUrl(input)
  // The same URL again keeps its synced handle: blanking it would orphan the clone and index.
  const known = [ctx.config.default_registry, ...ctx.config.added_registries].find((r) => r.url === url)
  const ref = { handle: known?.handle ?? '', url }
  await updateConfigFile(ctx.layout.configWriteFile, () => ({ default_registry: ref }))
  return ref
}

export async function addRegistry(ctx: Context, input: string): Promise<RegistryRef> {
  const url = normalizeRegistryUrl(input)
  if (ctx.config.default_registry.url === url || ctx.config.added_registries.some((r) => r.url === url)) {
    throw new ZoiError('REFUSED', `registry '${url}' is already configured`)
  }
  const ref = { handle: '', url }
  await updateConfigFile(ctx.layout.configWriteFile, (cur) => ({ added_registries: [...(cur.added_registries ?? []), ref] }))
  return ref
}

/** Remove an added registry by handle or URL, with its clone and index (never local.db). */
export async function removeRegistry(ctx: Context, handleOrUrl: string): Promise<RegistryRef> {
  const asUrl = safeNormalize(handleOrUrl)
  const match = (r: RegistryRef) => (r.handle !== '' && r.handle === handleOrUrl.toLowerCase()) || r.url === asUrl
  if (match(ctx.config.default_registry)) {
    throw new ZoiError('REFUSED', `'${handleOrUrl}' is the default registry and cannot be removed`, {
      hint: "point the default elsewhere with 'zoi sync set <url>'",
    })
  }
  const found = ctx.config.added_registries.find(match)
  if (!found) throw new ZoiError('NOT_FOUND', `no added registry '${handleOrUrl}'`, { hint: "see 'zoi sync list'" })
  let inFile = false
  await updateConfigFile(ctx.layout.configWriteFile, (cur) => {
    const list = cur.added_registries ?? []
    inFile = list.some(match)
    return { added_registries: list.filter((r) => !match(r)) }
  })
  // A registry found in <db>/ rather than in a config file is removed by deleting its folder.
  if (!inFile && (await listedInConfig(ctx, match))) {
    throw new ZoiError('REFUSED', `registry '${handleOrUrl}' comes from a config file zoi does not write`, {
      hint: `edit ${ctx.layout.configFiles.filter((f) => f !== ctx.layout.configWriteFile).join(' or ')}`,
    })
  }
  if (isRegistryHandle(found.handle)) {
    await rm(join(ctx.layout.dbDir, found.handle), { recursive: true, force: true })
    for (const suffix of ['.db', '.db-wal', '.db-shm', '.db.list']) await rm(join(ctx.layout.dbDir, found.handle + suffix), { force: true })
  }
  return found
}

async function listedInConfig(ctx: Context, match: (r: RegistryRef) => boolean): Promise<boolean> {
  for (const file of ctx.layout.configFiles) {
    const c = await readConfigFile(file)
    if ((c.added_registries ?? []).some(match) || (c.default_registry && match(c.default_registry))) return true
  }
  return false
}

function safeNormalize(s: string): string | undefined {
  try {
    return normalizeRegistryUrl(s)
  } catch {
    return undefined
  }
}

export async function addCacheMirror(ctx: Context, url: string): Promise<string[]> {
  if (!isRemoteUrl(url) && !isOciUrl(url) && !isAbsolute(url)) {
    throw new ZoiError('USAGE', `cache mirror '${redactUrl(url)}' must be an http(s) or oci:// URL, or an absolute path`)
  }
  const base = url.replace(/\/+$/, '')
  if (ctx.config.cache_mirrors.includes(base)) throw new ZoiError('REFUSED', `cache mirror '${redactUrl(base)}' already exists`)
  let result: string[] = []
  await updateConfigFile(ctx.layout.configWriteFile, (cur) => ({ cache_mirrors: (result = [...(cur.cache_mirrors ?? []), base]) }))
  return result
}

export async function removeCacheMirror(ctx: Context, url: string): Promise<string[]> {
  const base = url.replace(/\/+$/, '')
  let result: string[] = []
  let found = false
  await updateConfigFile(ctx.layout.configWriteFile, (cur) => {
    const list = cur.cache_mirrors ?? []
    found = list.includes(base)
    return { cache_mirrors: (result = list.filter((m) => m !== base)) }
  })
  if (!found) throw new ZoiError('NOT_FOUND', `cache mirror '${redactUrl(base)}' not found`, { hint: "see 'zoi cache mirror ls'" })
  return result
}
