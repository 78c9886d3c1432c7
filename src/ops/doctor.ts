/**
 * `zoi doctor`, as `brew doctor`: looks at this machine's zoi and says what is off, each
 * finding with the command that fixes it. Read-only; never uses the network.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { listCache } from '../cache/index.ts'
import type { Context } from '../context.ts'
import { processAlive } from '../platform/lock.ts'
import { headCommitTime } from '../registry/index.ts'
import { loadKeyring, matchesKey } from '../trust/index.ts'
import { findOrphans } from './autoremove.ts'
import { binDirOnPath } from './path-advice.ts'
import { openCatalog } from './registries.ts'

export interface DoctorFinding {
  check: 'path' | 'bin-links' | 'registry' | 'orphans' | 'lock' | 'cache' | 'keyring'
  ok: boolean
  text: string
  hint?: string
}

/** A registry not synced for this long is reported as stale. */
const STALE_DAYS = 30

export async function runDoctor(ctx: Context, now = new Date()): Promise<DoctorFinding[]> {
  const { layout } = ctx
  const out: DoctorFinding[] = []
  if (layout.root === null && layout.scope === 'user') {
    const on = binDirOnPath(layout.binDir)
    out.push({ check: 'path', ok: on, text: on ? `${layout.binDir} is on PATH` : `${layout.binDir} is not on PATH`, hint: on ? undefined : "see 'zoi install' advice or add it in your shell's startup file" })
  }
  const broken = brokenLinks(layout.binDir)
  out.push({ check: 'bin-links', ok: broken.length === 0, text: broken.length ? `broken links in ${layout.binDir}: ${broken.join(', ')}` : 'every bin link resolves', hint: broken.length ? 'reinstall the packages owning them (zoi owner <path>), or remove the links' : undefined })
  const catalog = openCatalog(ctx)
  try {
    if (catalog.registries.length === 0) out.push({ check: 'registry', ok: false, text: 'no registry has been synced', hint: "run 'zoi sync'" })
    for (const r of catalog.registries) {
      const when = await headCommitTime(join(r.dbDir, r.handle)).catch(() => undefined)
      const days = when ? Math.floor((now.getTime() - when.getTime()) / 86_400_000) : undefined
      const stale = days === undefined || days > STALE_DAYS
      out.push({ check: 'registry', ok: !stale, text: `registry '${r.handle}': ${days === undefined ? 'commit time unknown' : `last commit ${days} day${days === 1 ? '' : 's'} ago (${when!.toISOString().slice(0, 10)})`}`, hint: stale ? "run 'zoi sync'" : undefined })
    }
  } finally {
    catalog.close()
  }
  const orphans = findOrphans(ctx)
  out.push({ check: 'orphans', ok: orphans.length === 0, text: orphans.length ? `no longer needed: ${orphans.map((o) => `${o.name} ${o.version}`).join(', ')}` : 'no orphaned dependencies', hint: orphans.length ? "run 'zoi autoremove'" : undefined })
  out.push(lockState(layout.lockFile))
  out.push(...(await keyringState(ctx, now)))
  const cached = await listCache(layout.cacheDir).catch(() => [])
  const bytes = cached.reduce((a, c) => a + c.size, 0)
  out.push({ check: 'cache', ok: true, text: `cache: ${cached.length} archive${cached.length === 1 ? '' : 's'}, ${bytes} bytes in ${layout.cacheDir}`, hint: cached.length ? "'zoi cache clear' frees it" : undefined })
  return out
}

/**
 * The keyring: how many keys, which anchors name no key here (installs from that registry would
 * be refused), and keys that are expired or revoked.
 */
async function keyringState(ctx: Context, now: Date): Promise<DoctorFinding[]> {
  let ring: Awaited<ReturnType<typeof loadKeyring>>
  try {
    ring = await loadKeyring(ctx.layout.pgpDirs)
  } catch (e) {
    return [{ check: 'keyring', ok: false, text: `keyring unreadable: ${e instanceof Error ? e.message : e}` }]
  }
  const out: DoctorFinding[] = []
  const refs = [ctx.config.default_registry, ...ctx.config.added_registries]
  const anchors = [...new Set([...refs.flatMap((r) => r.authorities ?? []), ...(ctx.config.policy.signature_enforcement?.trusted_keys ?? [])])]
  const unknown = anchors.filter((id) => !ring.some((k) => matchesKey(id, k)))
  const dead = ring.filter((k) => k.revoked !== null || (k.expires !== null && k.expires.getTime() < now.getTime()))
  out.push({
    check: 'keyring',
    ok: unknown.length === 0 && dead.length === 0,
    text: `keyring: ${ring.length} key${ring.length === 1 ? '' : 's'}, ${anchors.length} trust anchor${anchors.length === 1 ? '' : 's'}` +
      (unknown.length ? `; anchors with no key here: ${unknown.join(', ')}` : '') +
      (dead.length ? `; expired or revoked: ${dead.map((k) => k.name).join(', ')}` : ''),
    hint: unknown.length ? "add the missing keys with 'zoi key add <file.asc>'" : dead.length ? 'get renewed keys from their owners' : undefined,
  })
  return out
}

function brokenLinks(dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names.filter((n) => {
    const p = join(dir, n)
    if (!lstatSync(p).isSymbolicLink()) return false
    try {
      statSync(p)
      return false
    } catch {
      return true
    }
  }).sort()
}

function lockState(file: string): DoctorFinding {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return { check: 'lock', ok: true, text: 'not locked' }
  }
  const pid = Number.parseInt(text.trim(), 10)
  if (processAlive(pid)) return { check: 'lock', ok: true, text: `locked by running process ${pid} (${file})` }
  return { check: 'lock', ok: false, text: `stale lock left by process ${Number.isNaN(pid) ? '?' : pid} (${file})`, hint: 'the next change takes it over; nothing to do unless it keeps coming back' }
}
