/** `zoi source fetch|add|ls|clear`: the source cache that offline source builds use (SPEC §11). */
import { flagList, flagString, needArgs, requireAction, type CommandSpec } from '../command-spec.ts'
import { ZoiError } from '../../errors.ts'
import { formatSize } from '../format-size.ts'

export const source: CommandSpec = {
  usage: 'source [action] [...args]',
  description: 'Manage the source cache: source fetch <pkg…> [--closure build], source add <file> --url <url>, source ls, source clear',
  options: [
    { flag: '--closure <kind>', description: "With fetch: 'build' also fetches the sources of every package the named ones pull in" },
    { flag: '--url <url>', description: 'With add: the URL the file (or git repository/bundle) stands for' },
    { flag: '--platform <platform>', description: 'With fetch: run prepare() for this target platform (repeatable)', repeatable: true },
  ],
  examples: ['zoi source fetch hello --closure build', 'zoi source add ./hello-1.0.tar.gz --url https://example.org/hello-1.0.tar.gz', 'zoi source ls'],
  async run(ctx, args, flags) {
    const { sourceAdd, sourceClear, sourceFetch, sourceList } = await import('../../ops/source.ts')
    const [action, ...rest] = args
    switch (requireAction('source', action, ['fetch', 'add', 'ls', 'list', 'clear'])) {
      case 'fetch': {
        const closure = flagString(flags, 'closure')
        if (closure !== undefined && closure !== 'build') throw new ZoiError('USAGE', `unknown --closure '${closure}'; expected 'build'`)
        const done = await sourceFetch(ctx, rest, { closure, platforms: flagList(flags, 'platform') })
        return { text: done.map((d) => `Fetched sources of ${d.name}${d.version ? ' ' + d.version : ''} (${d.platform})`).join('\n'), json: done }
      }
      case 'add': {
        const [file] = needArgs('source add <file> --url <url>', rest)
        const added = await sourceAdd(ctx, file!, flagString(flags, 'url'))
        const what = added.kind === 'git' ? `git refs ${Object.keys(added.refs ?? {}).join(', ')}` : `sha512 ${added.sha512}`
        return { text: `Added ${added.url} (${what})`, json: added }
      }
      case 'clear': {
        needArgs('source clear', rest, 0)
        const removed = sourceClear(ctx)
        return { text: removed ? `Removed ${removed} source(s).` : 'The source cache is empty.', json: { removed } }
      }
      default: {
        needArgs('source ls', rest, 0)
        const rows = sourceList(ctx)
        const text = rows.map((r) => `${r.url}\n    ${r.kind.padEnd(4)} ${formatSize(r.size).padStart(9)}  ${r.kind === 'file' ? 'sha512 ' + r.id.slice(0, 16) + '…' : r.id}  ${r.packages.join(', ') || '-'}`).join('\n')
        return { text: rows.length ? `${text}\nTotal: ${rows.length} source(s)` : 'The source cache is empty.', json: rows }
      }
    }
  },
}
