/** `zoi package build|install`: make and install archives (SPEC §5). */
import { resolve } from 'node:path'
import { ZoiError } from '../../errors.ts'
import { flagList, flagString, needArgs, requireAction, type CommandSpec } from '../command-spec.ts'
import { signingPassphrase as passphrase } from '../prompt.ts'

export const pkg: CommandSpec = {
  usage: 'package [action] [...args]',
  description: 'package build <file.pkg.lua|bundle.zsa> | package bundle <file.pkg.lua> | package install <archive> | package extract <archive> <dir>',
  options: [
    { flag: '-o, --output-dir <dir>', description: 'Where build writes the archive and sidecars (default: next to the definition)' },
    { flag: '--platform <platform>', description: 'Target platform(s), e.g. linux-amd64 (repeatable)', repeatable: true },
    { flag: '--version-override <version>', description: 'Build this version instead of the default' },
    { flag: '--sub <name>', description: 'Only these sub-packages (repeatable)', repeatable: true },
    { flag: '--type <type>', description: 'Build type (pre-compiled, source, …)' },
    { flag: '--scope <scope>', description: 'With install: user (default) or system' },
    { flag: '--sign <secret.asc>', description: 'With build or bundle: write a detached <archive>.sig with this OpenPGP secret key (passphrase: ZOI_PGP_PASSPHRASE or a prompt)' },
    { flag: '--format <format>', description: 'Archive format of build: pkg.tar.zst (default) or zpa (Zoi\'s pooled format)' },
  ],
  examples: ['zoi package build ./hello/hello.pkg.lua -o ./out --platform linux-amd64 --platform linux-arm64', 'zoi package install ./out/hello-1.0.0-linux-amd64.pkg.tar.zst', 'zoi package build ./hello/hello.pkg.lua --format zpa', 'zoi package bundle ./hello/hello.pkg.lua -o ./out'],
  async run(ctx, args, flags) {
    const { buildArchives, bundleSources, parseArchiveFormat } = await import('../../ops/package-build.ts')
    const { extractTo } = await import('../../ops/package-extract.ts')
    const { installPackages } = await import('../../ops/install.ts')
    const { isArchivePath } = await import('../../ops/local-archive.ts')
    const action = requireAction('package', args[0], ['build', 'bundle', 'install', 'extract'])
    if (action === 'extract') {
      const [archive, dir] = needArgs('package extract <archive> <dir>', args.slice(1), 2)
      const r = await extractTo(archive!, dir!)
      return { text: `Extracted ${r.entries} entries (${r.bytes} bytes) into ${r.dir}`, json: r }
    }
    if (action === 'install') {
      const [archive] = needArgs('package install <archive>', args.slice(1))
      if (!isArchivePath(archive!)) throw new ZoiError('USAGE', `'${archive}' is not a .pkg.tar.zst or .zpa archive`)
      const result = await installPackages(ctx, [archive!], {})
      return { text: result.installed.map((i) => `installed ${i.name} ${i.version}`).join('\n') || 'Nothing to do: already installed.', json: result }
    }
    const epoch = process.env.SOURCE_DATE_EPOCH
    if (epoch !== undefined && !/^\d+$/.test(epoch)) throw new ZoiError('USAGE', `SOURCE_DATE_EPOCH must be a number of seconds, not '${epoch}'`)
    const outputDir = flagString(flags, 'outputDir')
    const signWith = flagString(flags, 'sign')
    if (action === 'bundle') {
      const [definition] = needArgs('package bundle <file.pkg.lua>', args.slice(1))
      const b = await bundleSources(ctx, {
        definition: resolve(definition!),
        outputDir: outputDir === undefined ? undefined : resolve(outputDir),
        versionOverride: flagString(flags, 'versionOverride'),
        buildType: flagString(flags, 'type'),
        sourceDateEpoch: epoch === undefined ? undefined : Number(epoch),
        sign: signWith === undefined ? undefined : { keyFile: resolve(signWith), passphrase: () => passphrase(flags) },
      })
      return { text: `Bundled ${b.path} (${b.downSize} bytes, sha512 ${b.sha512.slice(0, 16)}…)${b.signature ? `\nSigned ${b.signature} (${b.signer})` : ''}`, json: b }
    }
    const [definition] = needArgs('package build <file.pkg.lua|bundle.zsa>', args.slice(1))
    const signKey = signWith
    const built = await buildArchives(ctx, {
      definition: resolve(definition!),
      outputDir: outputDir === undefined ? undefined : resolve(outputDir),
      platforms: flagList(flags, 'platform').flatMap((p) => p.split(',')).filter(Boolean),
      versionOverride: flagString(flags, 'versionOverride'),
      subs: flagList(flags, 'sub').flatMap((s) => s.split(',')).filter(Boolean),
      buildType: flagString(flags, 'type'),
      sourceDateEpoch: epoch === undefined ? undefined : Number(epoch),
      sign: signKey === undefined ? undefined : { keyFile: resolve(signKey), passphrase: () => passphrase(flags) },
      format: parseArchiveFormat(flagString(flags, 'format')),
    })
    const text = built
      .map((b) => `Built ${b.path} (${b.downSize} bytes, sha512 ${b.sha512.slice(0, 16)}…)${b.signature ? `\nSigned ${b.signature} (${b.signer})` : ''}`)
      .join('\n')
    return { text: text || 'Nothing was built (no requested platform is supported by this package).', json: built }
  },
}

