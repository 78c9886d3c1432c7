/** Read-only queries over the index and the installed db; none of them uses the network. */
import { notImplemented, type CommandSpec } from '../command-spec.ts'

export const list: CommandSpec = {
  usage: 'list',
  description: 'List installed packages (--all: every package in the index)',
  aliases: ['ls'],
  options: [
    { flag: '--all', description: 'Every package the synced registries know' },
    { flag: '--outdated', description: 'Only installed packages with a newer version in the index' },
  ],
  run: notImplemented('list'),
}

export const search: CommandSpec = {
  usage: 'search <term>',
  description: 'Search package names, descriptions, tags and bins',
  options: [{ flag: '--files', description: 'Search the file lists of archives instead' }],
  run: notImplemented('search'),
}

export const show: CommandSpec = {
  usage: 'show <pkg>',
  description: 'Show a package: metadata, versions, dependencies, archive sizes, installed state',
  run: notImplemented('show'),
}

export const files: CommandSpec = {
  usage: 'files <pkg>',
  description: 'List the files an installed package owns',
  run: notImplemented('files'),
}

export const owner: CommandSpec = {
  usage: 'owner <path>',
  description: 'Which installed package owns a file',
  run: notImplemented('owner'),
}

export const why: CommandSpec = {
  usage: 'why <pkg>',
  description: 'Why a package is installed (directly, or for which dependents)',
  run: notImplemented('why'),
}
