/** `zoi download <pkg…>`: stage archives or source bundles, verified, with their sidecars. */
import { ZoiError } from '../../errors.ts'
import { flagBool, flagString, type CommandSpec } from '../command-spec.ts'

export const download: CommandSpec = {
  usage: 'download [...packages]',
  description: 'Fetch archives (or .zsa source bundles) with their sidecars into the cache or a folder, verified',
  options: [
    { flag: '--archive', description: 'The pre-built archive (default)' },
    { flag: '--source', description: 'The .zsa source bundle instead' },
    { flag: '-o, --output-dir <dir>', description: 'Where to put them (default: the archive cache)' },
    { flag: '--deps', description: 'Also every runtime dependency' },
  ],
  examples: ['zoi download hello --deps -o /media/usb/zoi', 'zoi download hello --source -o ./bundles'],
  async run(ctx, args, flags) {
    const { downloadPackages } = await import('../../ops/download.ts')
    if (flagBool(flags, 'archive') && flagBool(flags, 'source')) throw new ZoiError('USAGE', '--archive and --source cannot be combined')
    const got = await downloadPackages(ctx, args, { source: flagBool(flags, 'source'), outputDir: flagString(flags, 'outputDir'), deps: flagBool(flags, 'deps') })
    const text = got.map((g) => `${g.path}${g.sidecars.length ? ` (+ ${g.sidecars.join(', ')})` : ''}`).join('\n')
    return { text, json: got }
  },
}
