/** `zoi cache add|ls|clear|mirror`: the archive cache (SPEC §8). */
import { redactUrl } from '../../platform/net-guard.ts'
import { flagBool, needArgs, requireAction, type CommandSpec } from '../command-spec.ts'
import { formatSize } from '../format-size.ts'

export const cache: CommandSpec = {
  usage: 'cache [action] [...args]',
  description: 'Manage the archive cache: cache add <archive…>, cache ls, cache clear, cache mirror add|remove|ls <url>',
  options: [{ flag: '--dry-run', description: 'With clear: only say what would be removed' }],
  examples: ['zoi cache add ./downloads/*.pkg.tar.zst', 'zoi cache ls', 'zoi cache clear --dry-run', 'zoi cache mirror add https://mirror.corp/zoi'],
  async run(ctx, args, flags) {
    const { cacheAdd, cacheClear, cacheList } = await import('../../ops/cache.ts')
    const [action, ...rest] = args
    switch (requireAction('cache', action, ['add', 'ls', 'list', 'clear', 'clean', 'mirror'])) {
      case 'mirror':
        return runMirror(ctx, rest)
      case 'add': {
        const added = await cacheAdd(ctx, rest)
        return { text: added.map((a) => `Added ${a.fileName}`).join('\n'), json: added }
      }
      case 'clear':
      case 'clean': {
        needArgs('cache clear', rest, 0)
        const dryRun = flagBool(flags, 'dryRun')
        const removed = await cacheClear(ctx, dryRun)
        const verb = dryRun ? 'Would remove' : 'Removed'
        return { text: removed.length ? `${removed.map((f) => `${verb} ${f}`).join('\n')}` : 'The archive cache is empty.', json: { dryRun, removed } }
      }
      default: {
        needArgs('cache ls', rest, 0)
        const rows = await cacheList(ctx)
        const text = rows.map((r) => `${r.name.padEnd(24)} ${r.version.padEnd(12)} ${r.platform.padEnd(14)} ${formatSize(r.size).padStart(9)}`).join('\n')
        return { text: rows.length ? `${text}\nTotal: ${rows.length} archive(s)` : 'The archive cache is empty.', json: rows }
      }
    }
  },
}

async function runMirror(ctx: Parameters<CommandSpec['run']>[0], rest: string[]) {
  const { addCacheMirror, removeCacheMirror } = await import('../../ops/registry-config.ts')
  const [sub, ...more] = rest
  switch (requireAction('cache mirror', sub, ['add', 'remove', 'ls', 'list'])) {
    case 'add': {
      const [url] = needArgs('cache mirror add <url>', more)
      const list = await addCacheMirror(ctx, url!)
      return { text: `Added cache mirror: ${redactUrl(url!)}`, json: list.map(redactUrl) }
    }
    case 'remove': {
      const [url] = needArgs('cache mirror remove <url>', more)
      const list = await removeCacheMirror(ctx, url!)
      return { text: `Removed cache mirror: ${redactUrl(url!)}`, json: list.map(redactUrl) }
    }
    default: {
      needArgs('cache mirror ls', more, 0)
      const list = ctx.config.cache_mirrors
      return { text: list.length ? list.map(redactUrl).join('\n') : 'No cache mirrors configured.', json: list.map(redactUrl) }
    }
  }
}
