/**
 * During an online sync, fetch each package's `.hash`, `.size` and `.files` sidecars from the
 * registry's `pkg:` links (first candidate that answers 2xx) and store them in the index, so an
 * offline machine can verify archives later. Only what the index does not hold yet is fetched;
 * an offline sync never calls this, so stored facts survive it (SPEC FIX).
 */
import { parseFilesSidecar, parseHashSidecar, parseSizeSidecar } from '../archive/index.ts'
import type { Context } from '../context.ts'
import { hostPlatform, platformAllowed, platformString } from '../platform/arch.ts'
import { archiveCandidates, archiveNameFor, chooseDefaultVersion, toCandidates, type ArchiveFacts, type Candidate, type IndexDb, type RepoYaml } from '../registry/index.ts'

const CONCURRENCY = 8

export async function fetchSidecars(ctx: Context, index: IndexDb, repo: RepoYaml): Promise<{ fetched: number; failed: number }> {
  if (repo.pkg.length === 0) return { fetched: 0, failed: 0 }
  const platform = hostPlatform()
  const pname = platformString(platform)
  const jobs: { facts: ArchiveFacts; fileName: string; candidates: Candidate[] }[] = []
  for (const pkg of index.allPackages()) {
    if (!platformAllowed(pkg.platforms, platform)) continue
    const version = chooseDefaultVersion(toCandidates('', pkg))
    if (!version || index.archiveFacts(pkg.repo, pkg.name, version, pname)?.sha512) continue
    const ref = { name: pkg.name, version, repo: pkg.repo, os: platform.os, arch: platform.arch }
    jobs.push({ facts: { name: pkg.name, repo: pkg.repo, version, platform: pname }, fileName: archiveNameFor(repo.pkg, ref), candidates: archiveCandidates(repo.pkg, [], ref) })
  }
  let fetched = 0
  let failed = 0
  const results: ArchiveFacts[] = []
  let next = 0
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!
      const facts = await fetchOne(ctx, job.facts, job.fileName, job.candidates)
      if (facts) {
        results.push(facts)
        fetched++
      } else failed++
      ctx.report({ kind: 'advance', phase: 'sync', loaded: fetched + failed, total: jobs.length, item: job.facts.name, unit: 'packages' })
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, worker))
  index.setArchiveFacts(results)
  if (failed) ctx.report({ kind: 'warn', text: `${repo.handle}: no archive metadata for ${failed} of ${jobs.length} packages (they may have no pre-built archive for ${pname})` })
  return { fetched, failed }
}

/** The first candidate whose `.hash` answers 2xx and parses wins; `.size`/`.files` are best effort. */
async function fetchOne(ctx: Context, facts: ArchiveFacts, archiveName: string, candidates: Candidate[]): Promise<ArchiveFacts | undefined> {
  for (const c of candidates) {
    try {
      const hash = parseHashSidecar(await ctx.net.getText(c.hashUrl!), { archiveName, source: c.hashUrl })
      const out: ArchiveFacts = { ...facts, ...(hash.algorithm === 'sha512' ? { sha512: hash.hex } : { sha256: hash.hex }) }
      const size = await ctx.net.getText(c.sizeUrl!).then((t) => parseSizeSidecar(t, c.sizeUrl), () => undefined)
      if (size) Object.assign(out, { downSize: size.down, installSize: size.install })
      const files = await ctx.net.getText(c.filesUrl!).then((t) => parseFilesSidecar(t, c.filesUrl), () => undefined)
      if (files) out.files = files
      return out
    } catch {
      // A miss (404, HTML page, garbage): try the next candidate; the caller counts failures.
    }
  }
  return undefined
}
