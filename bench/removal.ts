/**
 * Removal: uninstalling a package of many tiny files (BENCH_TINY, 20,000 by default; the issue's
 * case is 200,000) against installing it. Its own section, run after every section that times
 * file creation: it deletes that many files three times, and this machine's disk creates files
 * slowly for minutes after such deletions (see `FreshDirs`).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { FreshDirs, ZOI, runOnce, step, type Row, type Sample } from './lib.ts'
import { tinyFiles, writePackage, writeRegistry } from './payload.ts'

export async function benchRemoval(work: string): Promise<Row[]> {
  const tiny = Number(process.env.BENCH_TINY ?? 20_000)
  step(`uninstall of ${tiny} tiny files vs installing them`)
  const pkgDir = join(work, 'tiny-pkgs')
  await writePackage(work, pkgDir, 'tiny', tinyFiles(tiny), (_, i) => `d${i % 200}/f${i}`)
  const registry = join(work, 'tiny-registry')
  writeRegistry(registry, ['tiny'])
  const env = { HOME: join(work, 'tiny-home') }
  await runOnce({ cmd: [ZOI, 'sync', 'set', registry], env })
  await runOnce({ cmd: [ZOI, 'sync', '-q'], env })
  return [await uninstallVsInstall(`uninstall of a package of ${tiny.toLocaleString('en')} tiny files vs installing it`, work, pkgDir, env, 3)]
}

/**
 * `zoi uninstall tiny` against `zoi install tiny` of the same package: every install first, each
 * into a new root, then the uninstall of each. Interleaved, every install would run right after
 * an uninstall had deleted as many files, and pay for it on this machine (see `FreshDirs`).
 */
async function uninstallVsInstall(what: string, work: string, pkgDir: string, env: Record<string, string>, rounds: number): Promise<Row> {
  const dirs = new FreshDirs(work, 'tiny-root')
  const roots = Array.from({ length: rounds }, () => dirs.next())
  const installs: Sample[] = []
  for (const root of roots) {
    mkdirSync(root, { recursive: true })
    installs.push(await runOnce({ cmd: [ZOI, 'install', 'tiny', '--root', root, '--pkg-dir', pkgDir, '--offline', '-q', '-y'], env }, true, true))
  }
  const uninstalls: Sample[] = []
  for (const root of roots) uninstalls.push(await runOnce({ cmd: [ZOI, 'uninstall', 'tiny', '--root', root, '-q', '-y'], env }, true, true))
  return {
    what,
    goal: '≤ 1.0×',
    limit: 1.0,
    zoiMs: uninstalls.map((s) => s.ms),
    refMs: installs.map((s) => s.ms),
    zoiCpuMs: uninstalls.map((s) => s.cpuMs),
    refCpuMs: installs.map((s) => s.cpuMs),
    rssBytes: uninstalls.map((s) => s.rssBytes),
  }
}
