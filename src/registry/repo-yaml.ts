/**
 * `repo.yaml` at a registry's root (SPEC §3), read leniently: only `name` is required, unknown
 * keys are ignored, and list entries of the wrong shape are skipped rather than fatal.
 * Also PkgLink placeholder expansion and the ordered archive candidates.
 */
import { ZoiError, describeError } from '../errors.ts'
import { parsePlainYaml } from '../config/plain-yaml.ts'

/** Binary archives: `main`, then `mirror`; `.zsa` source bundles: `source-main`, then `source-mirror`. */
export const LINK_TYPES = ['main', 'mirror', 'source-main', 'source-mirror'] as const
export type LinkType = (typeof LINK_TYPES)[number]

export interface PkgLink {
  type: LinkType
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
  /** `pgp: [{name, key}]`: keys (URL, fingerprint or armored text) offered for import, never trusted by that alone. */
  keys: { name: string; key: string }[]
}

/** The yaml library, loaded for what parsePlainYaml declines (start-up does not pay for it). */
const yaml = (): typeof import('yaml') => require('yaml')

export function parseRepoYaml(text: string, file = 'repo.yaml'): RepoYaml {
  let raw: unknown
  try {
    raw = (parsePlainYaml(text) ?? { value: yaml().parse(text) }).value
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
      typeof p.url === 'string' && (p.type === undefined || (LINK_TYPES as readonly unknown[]).includes(p.type)) && httpOnly(p, file)
        ? [{
            type: (p.type ?? 'main') as LinkType,
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
    keys: objects(r.pgp).flatMap((k) => (typeof k.name === 'string' && typeof k.key === 'string' ? [{ name: k.name, key: k.key }] : [])),
  }
}

const LINK_KEYS = ['url', 'hash', 'size', 'files', 'pgp'] as const

/**
 * A registry chooses these URLs, so they may only point at the network (http(s), or an OCI
 * registry): a `file://` link (or a
 * bare path) would make zoi read, and echo in errors, files of the user's own machine.
 */
function httpOnly(link: Record<string, unknown>, file: string): true {
  for (const key of LINK_KEYS) {
    const v = link[key]
    if (typeof v === 'string' && !/^(https?|oci(\+https?)?):\/\//i.test(v.trim())) {
      throw new ZoiError('BAD_DEFINITION', `${file}: pkg link '${key}' must be an http(s) or oci:// URL, not '${v.slice(0, 80)}'`, {
        hint: 'registry archive links may only use http://, https:// or oci://',
      })
    }
  }
  return true
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
  if (link.type.startsWith('source-')) return url.endsWith('.zsa') ? url : `${url.replace(/\/+$/, '')}/${bundleFileName(a)}`
  return url.endsWith('.pkg.tar.zst') || url.endsWith('.zpa') ? url : `${url.replace(/\/+$/, '')}/${archiveFileName(a)}`
}

/** Zoi's `.zsa` name: no platform (the bundle holds sources). */
export function bundleFileName(a: { name: string; version: string }): string {
  return `${a.name}-${a.version}.zsa`
}

/** The last segment of a URL's path: the file name Zoi looks for in pkg-dirs and the cache. */
export function lastSegment(url: string): string {
  const path = url.replace(/[?#].*$/, '')
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1))
}

export interface Candidate {
  url: string
  hashUrl?: string
  sizeUrl?: string
  filesUrl?: string
  /** The detached signature: the link's `pgp:` template, else `<archive URL>.sig`. */
  sigUrl?: string
}

/**
 * The file name an archive has on this machine (SPEC §9, Zoi's rule): the last segment of the
 * first binary link's expanded URL, e.g. `hello-5.0.0-linux-amd64.zpa`; without links, the
 * `.pkg.tar.zst` name. `source` asks for the `.zsa` of the source links instead.
 */
export function archiveNameFor(links: readonly PkgLink[], a: ArchiveRef, source = false): string {
  const first = orderedLinks(links, source)[0]
  const name = first ? lastSegment(archiveUrl(first, a)) : ''
  return name !== '' && !name.includes('/') && name !== '..' && name !== '.' ? name : source ? bundleFileName(a) : archiveFileName(a)
}

function orderedLinks(links: readonly PkgLink[], source: boolean): PkgLink[] {
  const [main, mirror] = source ? (['source-main', 'source-mirror'] as const) : (['main', 'mirror'] as const)
  return [...links.filter((l) => l.type === main), ...links.filter((l) => l.type === mirror)]
}

/**
 * Where an archive may be downloaded from, in order: every main link, every mirror link, then
 * each flat `cache_mirrors` base (FIX: Zoi uses only one link). Sidecar URLs default to the
 * archive URL + `.hash/.size/.files/.sig` when a link does not template them. With `source`,
 * the `.zsa` of the `source-main` and `source-mirror` links.
 */
export function archiveCandidates(links: PkgLink[], cacheMirrors: readonly string[], a: ArchiveRef, source = false): Candidate[] {
  const out: Candidate[] = orderedLinks(links, source).map((l) => {
    const url = archiveUrl(l, a)
    return {
      url,
      hashUrl: l.hash ? expandPlaceholders(l.hash, a) : `${url}.hash`,
      sizeUrl: l.size ? expandPlaceholders(l.size, a) : `${url}.size`,
      filesUrl: l.files ? expandPlaceholders(l.files, a) : `${url}.files`,
      sigUrl: l.pgp ? expandPlaceholders(l.pgp, a) : `${url}.sig`,
    }
  })
  const fileName = archiveNameFor(links, a, source)
  for (const base of cacheMirrors) {
    const url = `${base.replace(/\/+$/, '')}/${fileName}`
    out.push({ url, hashUrl: `${url}.hash`, sizeUrl: `${url}.size`, filesUrl: `${url}.files`, sigUrl: `${url}.sig` })
  }
  return out
}
