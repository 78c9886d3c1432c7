/**
 * Plans as pacman users read them: one row per package with old → new version, download and
 * installed size, then "Total Download Size", "Total Installed Size" and, when something is
 * replaced, "Net Upgrade Size". Sizes nobody knows are shown as `?`, never as 0.
 */
import type { InstallResult, PlannedInstall } from '../ops/install.ts'
import { formatSize } from './format-size.ts'

/** `example/core/hello`: the form `install`, `show` and `files` accept back. */
export function printedName(p: { registry: string; repo: string; name: string }): string {
  return `${p.registry}/${p.repo ? p.repo + '/' : ''}${p.name}`
}

export function planTable(planned: readonly PlannedInstall[]): string {
  const rows = planned.map((p) => [
    p.action,
    printedName(p),
    p.oldVersion !== undefined && p.oldVersion !== p.version ? `${p.oldVersion} -> ${p.version}` : p.version,
    p.source ? 'build' : size(p.downSize),
    size(p.installSize),
    [p.reason === 'dependency' ? '[dependency]' : '', p.source ? '(build from source)' : ''].filter(Boolean).join(' '),
  ])
  const header = ['Action', 'Package', 'Version', 'Download', 'Installed', '']
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)))
  const right = new Set([3, 4])
  const line = (r: string[]) => `  ${r.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`.trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

export function planTotals(planned: readonly PlannedInstall[]): string {
  const fetched = planned.filter((p) => !p.source)
  const lines = [
    total('Total Download Size', fetched.map((p) => p.downSize)),
    total('Total Installed Size', planned.map((p) => p.installSize)),
  ]
  const replacing = planned.filter((p) => p.oldVersion !== undefined)
  if (replacing.length > 0) {
    const parts = planned.flatMap((p) => [p.installSize, p.oldInstallSize === undefined ? undefined : -p.oldInstallSize])
    const known = parts.every((n) => n !== undefined)
    const net = parts.reduce<number>((a, n) => a + (n ?? 0), 0)
    lines.push(`Net Upgrade Size:     ${known ? `${net < 0 ? '-' : '+'}${formatSize(Math.abs(net))}` : '?'}`)
  }
  return lines.join('\n')
}

export function planText(r: InstallResult): string {
  if (r.upToDate) return 'Nothing to do: every requested package is already installed.'
  const external = r.external.length ? `\n\nNot handled by zoi (install with your system's package manager):\n${r.external.map((e) => `  ${e}`).join('\n')}` : ''
  const first = r.buildDependencies?.length ? `\n\nBuild dependencies, installed first: ${r.buildDependencies.join(' ')}` : ''
  const plan = `Packages (${r.planned.length}):\n${planTable(r.planned)}\n\n${planTotals(r.planned)}${first}${external}`
  if (r.dryRun) return `Plan (dry run, nothing changed):\n${plan}`
  return r.installed.map((i) => `installed ${i.name} ${i.version}`).join('\n') + external
}

/** The plan shown before asking "Proceed?" on a terminal. */
export function planQuestion(r: InstallResult): string {
  return `${planText({ ...r, dryRun: true }).replace('Plan (dry run, nothing changed):\n', '')}\n`
}

/** Packages about to be removed, with what each frees, and the total (pacman's removal plan). */
export function removalPlan(rows: readonly { name: string; version: string; installedSize: number }[]): string {
  const width = Math.max(...rows.map((o) => o.name.length))
  const lines = rows.map((o) => `  remove  ${o.name.padEnd(width)}  ${o.version}  ${formatSize(o.installedSize)}`)
  const total = rows.reduce((a, o) => a + o.installedSize, 0)
  return `Packages (${rows.length}):\n${lines.join('\n')}\n\n${'Total Removed Size:'.padEnd(21)} ${formatSize(total)}`
}

function size(n: number | undefined): string {
  return n === undefined ? '?' : formatSize(n)
}

function total(label: string, sizes: (number | undefined)[]): string {
  const known = sizes.filter((n): n is number => n !== undefined)
  const sum = known.reduce((a, n) => a + n, 0)
  const note = known.length < sizes.length ? ` (${sizes.length - known.length} unknown)` : ''
  return `${`${label}:`.padEnd(21)} ${formatSize(sum)}${note}`
}
