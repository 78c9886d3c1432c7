/** `zoi install`, `zoi uninstall`, `zoi update`: change what is installed (SPEC §7). */
import { notImplemented, type CommandSpec } from '../command-spec.ts'

export const install: CommandSpec = {
  usage: 'install <...sources>',
  description: 'Install packages and their dependencies (names, ./file.pkg.lua, ./file.pkg.tar.zst)',
  aliases: ['i'],
  options: [
    { flag: '--force', description: 'Reinstall even if already installed' },
    { flag: '--dry-run', description: 'Print the plan with sizes and change nothing' },
    { flag: '--build', description: 'Build from source instead of using a pre-built archive' },
    { flag: '--scope <scope>', description: 'user (default) or system (implied by --root)' },
    { flag: '--type <type>', description: 'Build type to use with --build' },
  ],
  examples: ['zoi install hello', 'zoi install vim --offline --pkg-dir /mnt/usb/packages', 'zoi install base linux vim --root /mnt/new-disk --offline'],
  run: notImplemented('install'),
}

export const uninstall: CommandSpec = {
  usage: 'uninstall <...packages>',
  description: 'Remove installed packages (refused while another package depends on them)',
  aliases: ['rm', 'remove'],
  options: [
    { flag: '--force', description: 'Remove even if other installed packages depend on it' },
    { flag: '--scope <scope>', description: 'user (default) or system' },
    { flag: '--dry-run', description: 'Say what would be removed and change nothing' },
  ],
  run: notImplemented('uninstall'),
}

export const update: CommandSpec = {
  usage: 'update [...packages]',
  description: 'Install newer versions that the index knows (update <pkg…> or update --all)',
  aliases: ['up'],
  options: [
    { flag: '--all', description: 'Update every installed package' },
    { flag: '--dry-run', description: 'Print the plan and change nothing' },
  ],
  run: notImplemented('update'),
}

export const pin: CommandSpec = {
  usage: 'pin <pkg> <version>',
  description: 'Hold a package at a version',
  run: notImplemented('pin'),
}

export const unpin: CommandSpec = {
  usage: 'unpin <pkg>',
  description: 'Release a pinned package',
  run: notImplemented('unpin'),
}
