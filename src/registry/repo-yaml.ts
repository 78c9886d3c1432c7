/**
 * `repo.yaml` at a registry's root (SPEC §3), read leniently: only `name` is required, unknown
 * keys are ignored, and list entries of the wrong shape are skipped rather than fatal.
 * Also PkgLink placeholder expansion and the ordered archive candidates.
 */
import { ZoiError, describeError } from '../errors.ts'

export interface PkgLink {
  type: 'main' | 'mirror'
  url: string
  hash?: string
  size?: string
  files?: string
  pgp?: string
}

export interface RepoYaml {
  name: string
  handle: string
  description: string
  git: { type: 'main' | 'mirror'; url: string }[]
  pkg: PkgLink[]
  repos: { name: string; type: string; active: boolean }[]
}

/** The yaml library, loaded on first use so that start-up does not pay for it. */
const yaml = (): typeof import('yaml') => require('yaml')

export function parseRepoYaml(text: string, file = 'repo.yaml'): RepoYaml {
  let raw: unknown
  try {
    raw = yaml().parse(text)
  } catch (e) {
    throw new ZoiError('BAD_DEFINITION', `${file}: invalid YAML: ${describeError(e)}`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ZoiError('BAD_DEFINITION', `${file}: expected a mapping`)
  const r = raw as Record<string, unknown>
  const name = typeof r.name === 'string' ? r.name.trim() : ''
  if (!name) throw new ZoiError('BAD_DEFINITION', `${file}: 'name' is required`, { hint: 'add a line like  name: my-registry' })
  const handle = name.toLowerCase()
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(handle) || handle === 'local') {
    throw new ZoiError('BAD_DEFINITION', `${file}: registry name '${name}' cannot be used as a handle`, { hint: 'use letters, digits, ".", "_" or "-"' })
  }
  return {
    name,
    handle,
    description: typeof r.description === 'string' ? r.description : '',
    git: objects(r.git).flatMap((g) => (typeof g.url === 'string' ? [{ type: g.type === 'mirror' ? 'mirror' : 'main', url: g.url } as const] : [])),
    pkg: objects(r.pkg).flatMap((p) =>
      typeof p.url === 'string'
        ? [{
            type: p.type === 'mirror' ? 'mirror' : 'main',
            url: p.url,
            ...(typeof p.hash === 'string' ? { hash: p.hash } : {}),
            ...(typeof p.size === 'string' ? { size: p.size } : {}),
            ...(typeof p.files === 'string' ? { files: p.files } : {}),
            ...(typeof p.pgp === 'string' ? { pgp: p.pgp } : {}),
          } satisfies PkgLink]
        : [],
    ),
    repos: objects(r.repos).flatMap((x) =>
      typeof x.name === 'string' ? [{ name: x.name, type: typeof x.type === 'string' ? x.type : '', active: x.active !== false }] : [],
    ),
  }
}

function objects(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : []
}

export interface ArchiveRef {
  name: string
  version: string
  /** The package's repo path inside the registry, may contain '/'. */
  repo: string
  os: string
  arch: string
}

export function archiveFileName(a: { name: string; version: string; os: string; arch: string }): string {
  return `${a.name}-${a.version}-${a.os}-${a.arch}.pkg.tar.zst`
}

/** Replace `{name} {version} {repo} {os} {arch} {platform} {id}` in a PkgLink template. */
export function expandPlaceholders(template: string, a: ArchiveRef): string {
  const id = `${a.repo.replaceAll('/', '.')}${a.repo ? '.' : ''}${a.name}`
  const values: Record<string, string> = {
    name: a.name, version: a.version, repo: a.repo, os: a.os, arch: a.arch, platform: `${a.os}-${a.arch}`, id,
  }
  return template.replace(/\{(name|version|repo|os|arch|platform|id)\}/g, (_, k: string) => values[k]!)
}

/** The archive URL a link gives: the expanded url itself if it names the file, else url/<file>. */
export function archiveUrl(link: PkgLink, a: ArchiveRef): string {
  const url = expandPlaceholders(link.url, a)
  return url.endsWith('.pkg.tar.zst') ? url : `${url.replace(/\/+$/, '')}/${archiveFileName(a)}`
}

export interface Candidate {
  url: string
  hashUrl?: string
  sizeUrl?: string
  filesUrl?: string
}

/**
 * Where an archive may be downloaded from, in order: every main link, every mirror link, then
 * each flat `cache_mirrors` base (FIX: Zoi uses only one link). Sidecar URLs default to the
 * archive URL + `.hash/.size/.files` when a link does not template them.
 */
export function archiveCandidates(links: PkgLink[], cacheMirrors: readonly string[], a: ArchiveRef): Candidate[] {
  const ordered = [...links.filter((l) => l.type === 'main'), ...links.filter((l) => l.type === 'mirror')]
  const out: Candidate[] = ordered.map((l) => {
    const url = archiveUrl(l, a)
    return {
      url,
      hashUrl: l.hash ? expandPlaceholders(l.hash, a) : `${url}.hash`,
      sizeUrl: l.size ? expandPlaceholders(l.size, a) : `${url}.size`,
      filesUrl: l.files ? expandPlaceholders(l.files, a) : `${url}.files`,
    }
  })
  for (const base of cacheMirrors) {
    const url = `${base.replace(/\/+$/, '')}/${archiveFileName(a)}`
    out.push({ url, hashUrl: `${url}.hash`, sizeUrl: `${url}.size`, filesUrl: `${url}.files` })
  }
  return out
}
