/** Read-only queries over the index and the installed db; none of them uses the network. */
import type { PackageDetails } from '../../ops/query.ts'
import { summaryLine, type PackageSummary } from '../../registry/summary-line.ts'
import { flagBool, needArgs, streamRows, type CommandSpec } from '../command-spec.ts'

function summaryLines(rows: PackageSummary[]): string {
  return rows.map(summaryLine).join('\n')
}

export const list: CommandSpec = {
  usage: 'list',
  description: 'List installed packages (--all: every package in the index)',
  aliases: ['ls'],
  options: [
    { flag: '--all', description: 'Every package the synced registries know' },
    { flag: '--outdated', description: 'Only installed packages with a newer version in the index' },
  ],
  async run(ctx, args, flags) {
    const { listAvailable } = await import('../../ops/query.ts')
    const { listInstalled } = await import('../../ops/installed.ts')
    if (flagBool(flags, 'all')) {
      const { rows, text } = listAvailable(ctx)
      return streamRows({ pages: rows, line: summaryLine, text, empty: 'No packages in the synced registries.' })
    }
    const outdated = flagBool(flags, 'outdated')
    const rows = await listInstalled(ctx, { outdated })
    const text = rows.map((r) => `${r.name} ${r.version}${r.available ? ` -> ${r.available}` : ''}${r.pinned ? ' [pinned]' : ''}${r.reason === 'dependency' ? ' [dependency]' : ''}`).join('\n')
    return { text: text || (outdated ? 'Every installed package is up to date.' : 'No packages installed.'), json: rows }
  },
}

export const search: CommandSpec = {
  usage: 'search <term>',
  description: 'Search package names, descriptions, tags and bins',
  options: [{ flag: '--files', description: 'Search the file lists of archives instead' }],
  async run(ctx, args, flags) {
    const { searchFiles, searchPackages } = await import('../../ops/query.ts')
    const term = args.join(' ')
    if (flagBool(flags, 'files')) {
      const hits = await searchFiles(ctx, term)
      const text = hits.map((h) => `${h.registry}/${h.name} ${h.version} (${h.platform}): ${h.path}`).join('\n')
      return { text: text || `No archive file matches '${term}' (file lists come from .files sidecars fetched by an online sync).`, json: hits, exitCode: hits.length ? 0 : 3 }
    }
    const rows = await searchPackages(ctx, term)
    return { text: summaryLines(rows) || `No package matches '${term}'.`, json: rows, exitCode: rows.length ? 0 : 3 }
  },
}

function detailText(d: PackageDetails): string {
  const line = (k: string, v: string | undefined) => (v ? `${k.padEnd(13)}: ${v}\n` : '')
  const list = (xs: string[]) => (xs.length ? xs.join(', ') : undefined)
  let out = line('Name', d.name) + line('Registry', d.registry) + line('Repo', d.repo) + line('Version', d.version)
  out += line('Channels', list(Object.entries(d.channels).map(([c, v]) => `${c}=${v}`)))
  out += line('Description', d.description) + line('License', d.license) + line('Website', d.website)
  out += line('Bins', list(d.bins)) + line('Tags', list(d.tags)) + line('Types', list(d.types)) + line('Platforms', list(d.platforms))
  out += line('Sub-packages', list(d.subPackages))
  out += line('Depends on', list(d.dependencies.filter((x) => x.kind === 'runtime' && x.group === 'required').map((x) => x.raw)))
  out += line('Optional', list(d.dependencies.filter((x) => x.kind === 'runtime' && x.group !== 'required').map((x) => x.raw)))
  out += line('Build deps', list(d.dependencies.filter((x) => x.kind === 'build').map((x) => x.raw)))
  for (const a of d.archives) {
    const size = a.downSize === undefined ? 'size unknown' : `${a.downSize} bytes${a.installSize === undefined ? '' : `, ${a.installSize} installed`}`
    out += line(`Archive`, `${a.version} ${a.platform} (${size})`)
  }
  out += line('Definition', d.path)
  out += line('Installed', d.installed ?? 'no')
  return out.trimEnd()
}

export const show: CommandSpec = {
  usage: 'show <pkg>',
  description: 'Show a package: metadata, versions, dependencies, archive sizes, installed state',
  aliases: ['info'],
  async run(ctx, args) {
    const { showPackage } = await import('../../ops/query.ts')
    const [source] = needArgs('show <pkg>', args)
    const found = await showPackage(ctx, source!)
    return { text: found.map(detailText).join('\n\n'), json: found }
  },
}

export const files: CommandSpec = {
  usage: 'files <pkg>',
  description: 'List the files an installed package owns',
  async run(ctx, args) {
    const { filesOf } = await import('../../ops/installed.ts')
    const [name] = needArgs('files <pkg>', args)
    const paths = await filesOf(ctx, name!)
    return { text: paths.join('\n'), json: paths }
  },
}

export const owner: CommandSpec = {
  usage: 'owner <path>',
  description: 'Which installed package owns a file',
  async run(ctx, args) {
    const { ownerOf } = await import('../../ops/installed.ts')
    const [path] = needArgs('owner <path>', args)
    const o = await ownerOf(ctx, path!)
    return { text: `${o.path} is owned by ${o.name} ${o.version}`, json: o }
  },
}

export const why: CommandSpec = {
  usage: 'why <pkg>',
  description: 'Why a package is installed (directly, or for which dependents)',
  async run(ctx, args) {
    const { whyInstalled } = await import('../../ops/installed.ts')
    const [name] = needArgs('why <pkg>', args)
    const w = await whyInstalled(ctx, name!)
    const lines = [w.reason === 'direct' ? `${w.name} was installed directly by you` : `${w.name} was installed as a dependency`]
    if (w.requiredBy.length) lines.push(`required by: ${w.requiredBy.join(', ')}`)
    return { text: lines.join('\n'), json: w }
  },
}
