/** `zoi bundle create|verify|import|ls`: carry a verified closure across an air gap (SPEC §12). */
import { ZoiError } from '../../errors.ts'
import type { BundleCreateResult } from '../../ops/bundle-create.ts'
import type { BundleListing } from '../../ops/bundle-ls.ts'
import { flagBool, flagList, flagString, needArgs, requireAction, type CommandSpec } from '../command-spec.ts'
import { formatSize } from '../format-size.ts'
import { signingPassphrase } from '../prompt.ts'
import { resolve } from 'node:path'

const ACTIONS = ['create', 'verify', 'import', 'ls'] as const

export const bundle: CommandSpec = {
  usage: 'bundle <action> [...args]',
  description: 'Air-gap bundles: create (online), verify, import, ls',
  options: [
    { flag: '-o, --output <path>', description: 'create: the bundle folder, or a file ending in .tar' },
    { flag: '--platform <platform>', description: 'create: target platforms (repeatable; default this machine)', repeatable: true },
    { flag: '--closure <kind>', description: 'create: runtime (default), or build: sources and build dependencies for packages without archives' },
    { flag: '--since <bundle>', description: 'create: write only what this older bundle lacks' },
    { flag: '--zoi-binary <file>', description: 'create: also carry this zoi-<os>-<arch> binary (repeatable)', repeatable: true },
    { flag: '--dry-run', description: 'create: print the plan with sizes, fetch and write nothing' },
    { flag: '--with-sources', description: "create: also carry the closure's sources (source cache; fetched online when missing)" },
    { flag: '--sign <secret.asc>', description: 'create: sign bundle.json with this OpenPGP secret key (passphrase: ZOI_PGP_PASSPHRASE or a prompt)' },
    { flag: '--key <public.asc>', description: "verify, import: trust this key for bundle.json's signature (repeatable; default: the keyring)", repeatable: true },
    { flag: '--quick', description: 'verify: check files only, skip the test install' },
  ],
  examples: [
    'zoi bundle create hello -o /mnt/usb/hello-bundle',
    'zoi bundle create vim --platform linux-amd64 --platform linux-arm64 --dry-run',
    'zoi bundle verify /mnt/usb/hello-bundle',
    'zoi bundle import /mnt/usb/hello-bundle --offline',
    'zoi bundle verify /mnt/usb/hello-bundle /mnt/usb/hello-update   # an increment (--since) with its base',
    'zoi install hello --from /mnt/usb/hello-bundle --root /mnt/new-disk',
  ],
  async run(ctx, args, flags) {
    const { createBundle } = await import('../../ops/bundle-create.ts')
    const { importBundle } = await import('../../ops/bundle-import.ts')
    const { listBundle } = await import('../../ops/bundle-ls.ts')
    const { verifyBundle } = await import('../../ops/bundle-verify.ts')
    const [raw, ...rest] = args
    const action = requireAction('bundle', raw, ACTIONS) as (typeof ACTIONS)[number]
    switch (action) {
      case 'create': {
        const output = flagString(flags, 'output')
        const dryRun = flagBool(flags, 'dryRun')
        if (!output && !dryRun) throw new ZoiError('USAGE', 'bundle create needs -o <folder | file.tar>', { hint: "e.g. 'zoi bundle create hello -o ./hello-bundle'" })
        const sign = flagString(flags, 'sign')
        const closure = flagString(flags, 'closure') ?? 'runtime'
        if (closure !== 'runtime' && closure !== 'build') throw new ZoiError('USAGE', `--closure '${closure}': expected runtime or build`)
        const result = await createBundle(ctx, {
          requests: rest, output: output ?? '.', platforms: flagList(flags, 'platform'), closure, since: flagString(flags, 'since'),
          zoiBinaries: flagList(flags, 'zoiBinary'), dryRun, withSources: flagBool(flags, 'withSources'),
          sign: sign === undefined ? undefined : { keyFile: resolve(sign), passphrase: () => signingPassphrase(flags) },
        })
        return { text: describeCreate(result), json: result }
      }
      case 'verify': {
        const paths = needArgs('bundle verify <bundle> [<increment>…]', rest, 'some')
        const r = await verifyBundle(ctx, paths, { quick: flagBool(flags, 'quick'), keys: flagList(flags, 'key').map((k) => resolve(k)) })
        const hints = [...new Set(r.problems.flatMap((p) => (p.hint ? [p.hint] : [])))]
        const lines = [...r.problems.map((p) => `${p.kind === 'integrity' ? 'corrupt' : 'missing'}: ${p.detail}`), ...hints.map((h) => `hint: ${h}`), ...r.warnings.map((w) => `warning: ${w}`)]
        if (r.exitCode === 0) {
          for (const c of r.chain ?? [{ ...r, bundle: undefined }]) {
            const which = c.bundle === undefined ? 'bundle.json' : `${c.bundle}/bundle.json`
            if (c.signer) lines.push(`ok: ${which} is signed by ${c.signer}`)
            lines.push(`ok: ${c.files} files match ${which} (sha512 ${c.sha512.slice(0, 16)}…)`)
          }
          for (const p of r.installed) lines.push(`ok: ${p}: the requests install offline from the bundle alone`)
          for (const p of r.resolved) lines.push(`ok: ${p}: the plan resolves and every archive is on board`)
        }
        return { text: lines.join('\n'), json: r, exitCode: r.exitCode }
      }
      case 'import': {
        const paths = needArgs('bundle import <bundle> [<increment>…]', rest, 'some')
        const results = await importBundle(ctx, paths, { keys: flagList(flags, 'key').map((k) => resolve(k)) })
        const text = results.map((r) => {
          const regs = r.registries.map((x) => `registry ${x.handle} at ${x.commit.slice(0, 12)}`).join(', ')
          const extra = `${r.sources ? `, ${r.sources} source(s)` : ''}${r.keys ? `, ${r.keys} key(s) (not trusted until you 'zoi key trust' them)` : ''}`
          return `${results.length > 1 ? `${r.bundle}: ` : ''}imported ${regs}; ${r.archives} archive(s) into the cache${extra}${r.signer ? `; signed by ${r.signer}` : ''}`
        })
        // One bundle keeps the one object it always printed; a chain prints one per bundle.
        return { text: text.join('\n'), json: results.length === 1 ? results[0] : results }
      }
      default: {
        const [path] = needArgs('bundle ls <bundle>', rest)
        const r = await listBundle(path!)
        return { text: describeListing(r), json: r }
      }
    }
  },
}

function describeCreate(r: BundleCreateResult): string {
  const out: string[] = []
  for (const p of r.platforms) {
    out.push(`${p.platform}: ${p.packages.length} package(s)`)
    for (const pkg of p.packages) {
      const sizes = pkg.download === undefined ? 'size unknown' : `${formatSize(pkg.download)}${pkg.install === undefined ? '' : `, ${formatSize(pkg.install)} installed`}`
      out.push(`  ${pkg.name} ${pkg.version}  ${pkg.file}  (${sizes})`)
    }
    out.push(`  download ${formatSize(p.download)}, installed ${formatSize(p.install)}${p.unknownSizes ? ` (+ ${p.unknownSizes} of unknown size)` : ''}`)
  }
  out.push(`Total Download Size: ${formatSize(r.totals.download)}`, `Total Installed Size: ${formatSize(r.totals.install)}`)
  if (r.dryRun) out.push('(dry run: nothing fetched or written)')
  else {
    out.push(`wrote ${r.output}: ${r.files} file(s)${r.inherited ? `, ${r.inherited} inherited from the base` : ''}; bundle.json sha512 ${r.sha512!.slice(0, 16)}…`)
    if (r.sources) out.push(`sources: ${r.sources.files} file(s), ${r.sources.git} git repositor${r.sources.git === 1 ? 'y' : 'ies'}`)
    if (r.keys?.length) out.push(`keys: ${r.keys.join(', ')}`)
    if (r.signer) out.push(`signed by ${r.signer}`)
  }
  return out.join('\n')
}

function describeListing(r: BundleListing): string {
  const out = [`requests: ${r.requests.join(' ')}`, `created: ${r.created} by zoi ${r.zoi}`]
  for (const reg of r.registries) out.push(`registry: ${reg.handle} ${reg.url} at ${reg.commit.slice(0, 12)}`)
  for (const [platform, pkgs] of Object.entries(r.plans)) {
    out.push(`${platform}:`)
    for (const p of pkgs) {
      out.push(p.source ? `  ${p.name} ${p.version}  built from source on the far side` : `  ${p.name} ${p.version}  ${formatSize(p.size)}${p.installSize === undefined ? '' : ` (${formatSize(p.installSize)} installed)`}`)
    }
  }
  out.push(`files: ${r.files} (${formatSize(r.bytes)})`, `zoi binaries: ${r.binaries.join(', ') || 'none'}`)
  out.push(r.base ? `base: ${r.base}` : 'base: none (a full bundle)')
  out.push(`totals: download ${formatSize(r.totals.download)}, installed ${formatSize(r.totals.install)}`)
  return out.join('\n')
}
