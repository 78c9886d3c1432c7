/** `zoi package build|install`: make and install archives (SPEC §5). */
import { notImplemented, requireAction, type CommandSpec } from '../command-spec.ts'

export const pkg: CommandSpec = {
  usage: 'package [action] [...args]',
  description: 'package build <file.pkg.lua> | package install <archive>',
  options: [
    { flag: '-o, --output-dir <dir>', description: 'Where build writes the archive and sidecars' },
    { flag: '--platform <platform>', description: 'Target platform(s), e.g. linux-amd64 (repeatable)', repeatable: true },
    { flag: '--version-override <version>', description: 'Build this version instead of the default' },
    { flag: '--sub <name>', description: 'Only these sub-packages (repeatable)', repeatable: true },
    { flag: '--type <type>', description: 'Build type (pre-compiled, source, …)' },
    { flag: '--scope <scope>', description: 'With install: user (default) or system' },
  ],
  examples: ['zoi package build ./hello/hello.pkg.lua -o ./out --platform linux-amd64 --platform linux-arm64', 'zoi package install ./out/hello-1.0.0-linux-amd64.pkg.tar.zst'],
  async run(ctx, args, flags) {
    const action = requireAction('package', args[0], ['build', 'install'])
    return notImplemented(`package ${action}`)(ctx, args, flags)
  },
}
