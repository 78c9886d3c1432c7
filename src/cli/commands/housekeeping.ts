/** `zoi autoremove`, `zoi check`, `zoi history`, `zoi doctor`: keeping an installation tidy. */
import { flagBool, flagString, type CommandSpec } from '../command-spec.ts'
import { confirm, isInteractive, promptOptions } from '../prompt.ts'
import { removalPlan } from '../plan-view.ts'

export const autoremove: CommandSpec = {
  usage: 'autoremove',
  description: 'Remove dependencies that no installed package needs any more',
  options: [{ flag: '--dry-run', description: 'Print what would be removed and change nothing' }],
  async run(ctx, _args, flags) {
    const { autoremove: removeOrphans, findOrphans } = await import('../../ops/autoremove.ts')
    const dryRun = flagBool(flags, 'dryRun')
    const orphans = findOrphans(ctx)
    const json = (removed: unknown[]) => ({ dryRun, orphans: orphans.map((o) => ({ name: o.name, version: o.version, installedSize: o.installedSize })), removed })
    if (orphans.length === 0) return { text: 'Nothing to do: every installed dependency is still needed.', json: json([]) }
    if (dryRun) return { text: `Plan (dry run, nothing changed):\n${removalPlan(orphans)}`, json: json([]) }
    const prompt = promptOptions(ctx.yes, flags)
    if (isInteractive(prompt) && !(await confirm(prompt, removalPlan(orphans), 'Proceed with removal?'))) {
      return { text: 'Nothing was changed.', json: { aborted: true }, exitCode: 4 }
    }
    const result = await removeOrphans(ctx)
    return { text: result.removed.map((r) => `removed ${r.name} ${r.version}`).join('\n'), json: json(result.removed) }
  },
}

export const check: CommandSpec = {
  usage: 'check [...packages]',
  description: 'Verify installed files against the hashes and modes recorded at install',
  async run(ctx, args) {
    const { checkInstalled } = await import('../../ops/check.ts')
    const checks = await checkInstalled(ctx, args)
    const lines: string[] = []
    let damaged = 0
    for (const c of checks) {
      const bad = c.findings.filter((f) => !(f.config && f.problem !== 'missing'))
      if (bad.length) damaged++
      const state = bad.length ? `${bad.length} problem${bad.length === 1 ? '' : 's'}` : c.recorded ? 'ok' : 'ok (files present; installed before zoi recorded hashes)'
      lines.push(`${c.name} ${c.version}: ${c.files} files, ${state}`)
      for (const f of c.findings) lines.push(`  ${f.config && f.problem !== 'missing' ? 'modified config' : f.problem}: ${f.path}${f.detail ? ` (${f.detail})` : ''}`)
    }
    if (checks.length === 0) lines.push('No packages installed.')
    return { text: lines.join('\n'), json: checks, exitCode: damaged ? 6 : 0 }
  },
}

export const history: CommandSpec = {
  usage: 'history',
  description: 'List past installs, updates and removals (date, command, versions)',
  options: [{ flag: '--limit <n>', description: 'Only the newest n entries' }],
  async run(ctx, _args, flags) {
    const { listHistory } = await import('../../ops/history.ts')
    const { installedScopes } = await import('../../ops/installed.ts')
    const limit = flagString(flags, 'limit')
    const entries = await listHistory(installedScopes(ctx), limit === undefined ? undefined : Math.max(0, Number.parseInt(limit, 10) || 0))
    const text = entries.map((e) => {
      const changes = e.changes.map((c) => `  ${c.action.padEnd(9)} ${c.name} ${c.from && c.to ? `${c.from} -> ${c.to}` : (c.to ?? c.from)}`)
      return [`${e.at.slice(0, 19).replace('T', ' ')}  zoi ${e.command}`, ...changes].join('\n')
    })
    return { text: text.join('\n') || 'No history yet.', json: entries }
  },
}

export const doctor: CommandSpec = {
  usage: 'doctor',
  description: 'Check this installation: PATH, bin links, registry age, orphans, lock, cache',
  async run(ctx) {
    const { runDoctor } = await import('../../ops/doctor.ts')
    const findings = await runDoctor(ctx)
    const text = findings.map((f) => `${f.ok ? 'ok  ' : 'warn'}  ${f.text}${f.hint && !f.ok ? `\n        hint: ${f.hint}` : ''}`).join('\n')
    const problems = findings.filter((f) => !f.ok).length
    return { text: `${text}\n\n${problems ? `${problems} thing${problems === 1 ? '' : 's'} to look at.` : 'Your system is ready to zoi.'}`, json: findings }
  },
}
