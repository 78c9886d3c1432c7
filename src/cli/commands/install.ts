/** `zoi install`, `zoi uninstall`, `zoi update`, `zoi pin`, `zoi unpin`: change what is installed. */
import type { Context } from '../../context.ts'
import { flagBool, flagList, flagString, needArgs, type CommandSpec } from '../command-spec.ts'
import { confirm, isInteractive, promptOptions } from '../prompt.ts'
import { planQuestion, planText, removalPlan } from '../plan-view.ts'

export const install: CommandSpec = {
  usage: 'install <...sources>',
  description: 'Install packages and their dependencies',
  aliases: ['i'],
  options: [
    { flag: '--force', description: 'Reinstall even if already installed' },
    { flag: '--dry-run', description: 'Print the plan with sizes and change nothing' },
    { flag: '--build', description: 'Build from source instead of using a pre-built archive' },
    { flag: '--scope <scope>', description: 'user (default) or system (implied by --root)' },
    { flag: '--type <type>', description: 'Build type to use with --build' },
    { flag: '--from <bundle>', description: 'Install from an air-gap bundle (folder or .tar) without importing it first; repeat for a base and its increments, oldest first', repeatable: true },
  ],
  examples: ['zoi install hello', 'zoi install vim --offline --pkg-dir /mnt/usb/packages', 'zoi install base linux vim --root /mnt/new-disk --offline'],
  async run(ctx, args, flags) {
    const { installFromBundle } = await import('../../ops/bundle-import.ts')
    const { installPackages } = await import('../../ops/install.ts')
    const opts = { force: flagBool(flags, 'force'), build: flagBool(flags, 'build'), buildType: flagString(flags, 'type') }
    const dryRun = flagBool(flags, 'dryRun')
    const from = flagList(flags, 'from')
    if (from.length > 0) {
      const result = await installFromBundle(ctx, from, args, { dryRun, force: opts.force })
      return { text: planText(result), json: result }
    }
    const prompt = promptOptions(ctx.yes, flags)
    if (!dryRun && isInteractive(prompt)) {
      const plan = await installPackages(ctx, args, { ...opts, dryRun: true })
      if (plan.upToDate) return { text: planText(plan), json: plan }
      if (!(await confirm(prompt, planQuestion(plan), 'Proceed with installation?'))) {
        return { text: 'Nothing was changed.', json: { aborted: true }, exitCode: 4 }
      }
    }
    const result = await installPackages(ctx, args, { ...opts, dryRun })
    if (!dryRun && result.installed.length > 0) await advisePath(ctx, flagBool(flags, 'quiet'))
    return { text: planText(result), json: result }
  },
}

export const uninstall: CommandSpec = {
  usage: 'uninstall <...packages>',
  description: 'Remove installed packages (refused while another package depends on them)',
  aliases: ['rm', 'remove'],
  options: [
    { flag: '--force', description: 'Remove even if other installed packages depend on it' },
    { flag: '--dry-run', description: 'Print the plan and change nothing' },
    { flag: '--scope <scope>', description: 'user (default) or system' },
  ],
  async run(ctx, args, flags) {
    const { findOrphans } = await import('../../ops/autoremove.ts')
    const { removalRows, uninstallPackages } = await import('../../ops/installed.ts')
    const force = flagBool(flags, 'force')
    if (flagBool(flags, 'dryRun')) {
      const plan = await uninstallPackages(ctx, args, { force, dryRun: true })
      const rows = plan.map((r) => `  ${'remove'.padEnd(9)} ${r.removed.handle}/${r.removed.repo ? r.removed.repo + '/' : ''}${r.removed.name} ${r.removed.version}`)
      return { text: `Plan (dry run, nothing changed):\n${rows.join('\n')}`, json: { dryRun: true, planned: plan.map((r) => ({ action: 'remove', name: r.removed.name, version: r.removed.version, registry: r.removed.handle, repo: r.removed.repo })) } }
    }
    const prompt = promptOptions(ctx.yes, flags)
    if (isInteractive(prompt) && !(await confirm(prompt, removalPlan(await removalRows(ctx, args)), 'Proceed with removal?'))) {
      return { text: 'Nothing was changed.', json: { aborted: true }, exitCode: 4 }
    }
    const before = new Set(findOrphans(ctx).map((o) => o.name))
    const results = await uninstallPackages(ctx, args, { force })
    const orphaned = findOrphans(ctx).filter((o) => !before.has(o.name))
    const note = orphaned.length ? `\nno longer needed by any package: ${orphaned.map((o) => `${o.name} ${o.version}`).join(', ')} (remove with 'zoi autoremove')` : ''
    const text = results
      .map((r) => [`removed ${r.removed.name} ${r.removed.version}`, ...r.saved.map((s) => `  kept your modified ${s}`), ...(r.brokenDependents.length ? [`  warning: ${r.brokenDependents.join(', ')} depended on it`] : [])].join('\n'))
      .join('\n')
    const json = results.map((r) => ({ name: r.removed.name, version: r.removed.version, saved: r.saved, brokenDependents: r.brokenDependents }))
    return { text: text + note, json }
  },
}

/** Once, after the first install whose commands land in a folder not on PATH (rustup-style). */
async function advisePath(ctx: Context, quiet: boolean): Promise<void> {
  const { takePathAdvice } = await import('../../ops/path-advice.ts')
  const advice = takePathAdvice(ctx, { peek: quiet })
  if (!advice || quiet) return
  const width = Math.max(...advice.shells.map((s) => s.shell.length)) + 1
  const lines = advice.shells.map((s) => `  ${`${s.shell}:`.padEnd(width)} ${s.command}`)
  ctx.report({ kind: 'info', text: `\nnote: ${advice.binDir} is not on your PATH.\nTo run installed commands by name, add it for your shell and open a new terminal:\n${lines.join('\n')}` })
}

export const update: CommandSpec = {
  usage: 'update [...packages]',
  description: 'Install newer versions that the index knows (update <pkg…> or update --all)',
  aliases: ['up', 'upgrade'],
  options: [
    { flag: '--all', description: 'Update every installed package' },
    { flag: '--dry-run', description: 'Print the plan and change nothing' },
  ],
  async run(ctx, args, flags) {
    const { updatePackages } = await import('../../ops/install.ts')
    const result = await updatePackages(ctx, args, { all: flagBool(flags, 'all'), dryRun: flagBool(flags, 'dryRun') })
    return { text: result.upToDate ? 'Everything is up to date.' : planText(result), json: result }
  },
}

export const pin: CommandSpec = {
  usage: 'pin <pkg> <version>',
  description: 'Hold a package at its installed version',
  async run(ctx, args) {
    const { pinPackage } = await import('../../ops/installed.ts')
    const [name, version] = needArgs('pin <pkg> <version>', args, 2)
    const row = await pinPackage(ctx, name!, version!)
    return { text: `pinned ${row.name} at ${row.pinned}`, json: { name: row.name, pinned: row.pinned } }
  },
}

export const unpin: CommandSpec = {
  usage: 'unpin <pkg>',
  description: 'Release a pinned package',
  async run(ctx, args) {
    const { pinPackage } = await import('../../ops/installed.ts')
    const [name] = needArgs('unpin <pkg>', args)
    const row = await pinPackage(ctx, name!, null)
    return { text: `unpinned ${row.name}`, json: { name: row.name, pinned: null } }
  },
}
