/** Opening the synced registries for this run's layout and config. */
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { OFFICIAL_REGISTRY_URL, type Config } from '../config/index.ts'
import type { Layout } from '../platform/layout.ts'
// Straight to the modules, not the registry barrel: every command loads this file, and the
// barrel would bring the git client's, the indexer's and the Lua engine's modules with it.
import { openRegistries, type RegistrySet } from '../registry/catalog.ts'
import { withDiscovered } from '../registry/discover.ts'

/**
 * The config with registries found in `<db>/` filled in (see registry/discover.ts): a copied
 * or extracted registry folder works without any config, and a ref whose clone exists gets its
 * handle even if the config never recorded it. The config names no registry of its own when its
 * default is the built-in one and was never synced.
 */
export function withDiscoveredRegistries(config: Config, layout: Layout): Config {
  const namesNone = config.default_registry.url === OFFICIAL_REGISTRY_URL && config.default_registry.handle === ''
  return { ...config, ...withDiscovered(config, [layout.dbDir, ...layout.fallbackDbDirs], namesNone) }
}

export function openCatalog(ctx: Context): RegistrySet {
  return openRegistries({
    defaultRegistry: ctx.config.default_registry,
    added: ctx.config.added_registries,
    dbDirs: [ctx.layout.dbDir, ...ctx.layout.fallbackDbDirs],
  })
}

/** Like openCatalog, but a machine with no synced registry at all is an error with the remedy. */
export function requireCatalog(ctx: Context): RegistrySet {
  const set = openCatalog(ctx)
  if (set.registries.length === 0) {
    set.close()
    throw new ZoiError('NOT_FOUND', 'no registry has been synced on this machine', {
      hint: ctx.offline
        ? `run 'zoi sync' on a machine with network access and bring its 'zoi sync export <file>' bundle here ('zoi sync import <file>'), or copy its registry folder (<handle>/ and <handle>.db) into ${ctx.layout.dbDir}`
        : "run 'zoi sync' first",
    })
  }
  return set
}

/** Run `fn` with the catalog open, closing it however `fn` ends. */
export async function withCatalog<T>(ctx: Context, fn: (set: RegistrySet) => T | Promise<T>): Promise<T> {
  const set = requireCatalog(ctx)
  try {
    return await fn(set)
  } finally {
    set.close()
  }
}
