/** `zoi sync` and its registry-management actions. */
import { redactUrl } from '../../platform/net-guard.ts'
import { flagBool, needArgs, requireAction, type CommandSpec } from '../command-spec.ts'

const ACTIONS = ['set', 'add', 'remove', 'list', 'ls', 'export', 'import'] as const

export const sync: CommandSpec = {
  usage: 'sync [action] [...args]',
  description: 'Fetch and index every registry; or: sync set <url>, sync add <url>, sync remove <handle|url>, sync list, sync export|import <file.tar.zst>',
  options: [
    { flag: '--force', description: 'Re-clone registries from scratch' },
    { flag: '--fallback', description: "Try the registry's git mirrors when its main URL fails" },
    { flag: '--full', description: 'Clone the full history instead of a shallow clone' },
  ],
  examples: ['zoi sync', 'zoi sync set /mnt/usb/registry', 'zoi sync add https://git.corp/zoi/extra.git', 'zoi sync list'],
  async run(ctx, args, flags) {
    // Each action imports what it runs: a plain `zoi sync` loads neither bundles nor config edits.
    const [action, ...rest] = args
    if (action === undefined) {
      const { syncRegistries } = await import('../../ops/sync.ts')
      const results = await syncRegistries(ctx, { force: flagBool(flags, 'force'), fallback: flagBool(flags, 'fallback'), full: flagBool(flags, 'full') })
      const lines = results.map((r) => {
        const how = r.fetched ? (r.changed ? 'updated' : 'up to date') : 'kept (offline), re-indexed'
        const errs = r.errors.length ? `, ${r.errors.length} definition(s) with errors` : ''
        return `${r.handle}: ${how} at ${r.head.slice(0, 10)}, ${r.packages} packages${errs}`
      })
      return { text: [...lines, 'Sync complete.'].join('\n'), json: results }
    }
    switch (requireAction('sync', action, ACTIONS)) {
      case 'set': {
        const [url] = needArgs('sync set <url|default|github|gitlab|codeberg>', rest)
        const { setDefaultRegistry } = await import('../../ops/registry-config.ts')
        const ref = await setDefaultRegistry(ctx, url!)
        return { text: `Default registry set to: ${redactUrl(ref.url)}\nIt is used the next time you run 'zoi sync'.`, json: redacted(ref) }
      }
      case 'add': {
        const [url] = needArgs('sync add <url>', rest)
        const { addRegistry } = await import('../../ops/registry-config.ts')
        const ref = await addRegistry(ctx, url!)
        return { text: `Added registry: ${redactUrl(ref.url)}\nIt is fetched the next time you run 'zoi sync'.`, json: redacted(ref) }
      }
      case 'export': {
        const [file] = needArgs('sync export <file.tar.zst>', rest)
        const { exportRegistries } = await import('../../ops/bundle.ts')
        const r = await exportRegistries(ctx, file!)
        return { text: `Exported ${r.registries.map((x) => x.handle).join(', ')} to ${r.file} (and ${r.file}.hash)`, json: r }
      }
      case 'import': {
        const [file] = needArgs('sync import <file.tar.zst>', rest)
        const { importRegistries } = await import('../../ops/bundle.ts')
        const r = await importRegistries(ctx, file!)
        return { text: r.registries.map((x) => `Imported ${x.handle} (${x.packages} packages) from ${x.url}`).join('\n'), json: r }
      }
      case 'remove': {
        const [which] = needArgs('sync remove <handle|url>', rest)
        const { removeRegistry } = await import('../../ops/registry-config.ts')
        const ref = await removeRegistry(ctx, which!)
        return { text: `Removed registry: ${ref.handle || redactUrl(ref.url)}`, json: redacted(ref) }
      }
      default: {
        needArgs('sync list', rest, 0)
        const c = ctx.config
        const rows = [
          { kind: 'default', handle: c.default_registry.handle, url: redactUrl(c.default_registry.url) },
          ...c.added_registries.map((r) => ({ kind: 'added', handle: r.handle, url: redactUrl(r.url) })),
        ]
        return { text: rows.map((r) => `[${r.kind}] ${r.handle || '<not synced>'}: ${r.url}`).join('\n'), json: rows }
      }
    }
  },
}

/** Passwords in registry URLs are never printed (`https://***@host/…`). */
function redacted<T extends { url: string }>(ref: T): T {
  return { ...ref, url: redactUrl(ref.url) }
}
