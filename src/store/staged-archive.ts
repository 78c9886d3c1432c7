/**
 * Reading an extracted archive (SPEC §5) in its staging folder: the selected parts
 * (`data/<kind>` and `data/<sub>/<kind>`) are gathered into one version folder, ready to be
 * moved into the store with a single rename, plus the `usrroot`/`usrhome` entries to place.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { ZoiError } from '../errors.ts'
import type { Report } from '../progress.ts'

export interface StagedEntry {
  /** Path below its part, `/`-separated. */
  rel: string
  type: 'file' | 'link' | 'dir'
  /** Where it is in the staging folder. */
  src: string
  size: number
  mode: number
}

/** What the extraction wrote for one regular file (from its tar header): no stat needed to know it. */
export interface WrittenFile {
  size: number
  mode: number
}

/** The extraction's record of a regular file by its path in the archive, if it has one. */
export type WrittenLookup = (archivePath: string) => WrittenFile | undefined

export interface StagedArchive {
  /** The assembled `data/[<sub>/]pkgstore` content. */
  versionDir: string
  usrroot: StagedEntry[]
  usrhome: StagedEntry[]
  /** The definition at the archive root, when present. */
  definition: string | null
  /** Where the version folder's content was in the archive: `data/[<sub>/]pkgstore/` of each part taken. */
  storeSources: string[]
}

const KINDS = ['pkgstore', 'usrroot', 'usrhome'] as const

/**
 * `extracted` is the unpacked archive; `subs` the sub-packages to take (empty = all of them).
 * Content outside any sub-package folder is always taken. `written` spares the stat of each file
 * the extraction wrote (see `walkTree`).
 */
export function stageArchive(extracted: string, versionDir: string, subs: readonly string[], definitionFile: string, report: Report, written?: WrittenLookup): StagedArchive {
  const data = join(extracted, 'data')
  const present = existsSync(data) ? readdirSync(data).filter((n) => !(KINDS as readonly string[]).includes(n)).sort() : []
  for (const sub of subs) {
    if (!present.includes(sub)) report({ kind: 'warn', text: `sub-package '${sub}' not found in the archive, skipping` })
  }
  const parts = ['', ...(subs.length === 0 ? present : subs.filter((s) => present.includes(s)))]
  mkdirSync(versionDir)
  const outside = { usrroot: new Map<string, StagedEntry>(), usrhome: new Map<string, StagedEntry>() }
  const storeSources: string[] = []
  for (const part of parts) {
    const base = part === '' ? data : join(data, part)
    const store = join(base, 'pkgstore')
    if (isFolder(store)) {
      mergeInto(store, versionDir, '')
      storeSources.push(part === '' ? 'data/pkgstore/' : `data/${part}/pkgstore/`)
    }
    for (const kind of ['usrroot', 'usrhome'] as const) {
      const at = `data/${part === '' ? '' : `${part}/`}${kind}/`
      for (const entry of walkTree(join(base, kind), written && ((rel) => written(at + rel)))) {
        const seen = outside[kind].get(entry.rel)
        if (seen && (seen.type !== 'dir' || entry.type !== 'dir')) {
          throw new ZoiError('CONFLICT', `two sub-packages of the archive both ship ${kind}/${entry.rel}`)
        }
        if (!seen) outside[kind].set(entry.rel, entry)
      }
    }
  }
  const definition = join(extracted, definitionFile)
  return {
    versionDir,
    usrroot: [...outside.usrroot.values()].sort(byPath),
    usrhome: [...outside.usrhome.values()].sort(byPath),
    definition: isFile(definition) ? definition : null,
    storeSources,
  }
}

/**
 * Every entry below `root` (not following symlinks), parents before children, each folder's
 * entries by name. A regular file `written` knows (by its path below `root`) is not stat'ed: its
 * size and mode are what the extraction gave it. Not one with a set-id or sticky bit, which the
 * kernel may have dropped (a set-group-id file of a group the user is not in).
 */
export function walkTree(root: string, written?: (rel: string) => WrittenFile | undefined): StagedEntry[] {
  const out: StagedEntry[] = []
  if (!isFolder(root)) return out
  const walk = (rel: string) => {
    for (const dirent of readdirSync(rel === '' ? root : join(root, rel), { withFileTypes: true }).sort(byName)) {
      const path = rel === '' ? dirent.name : `${rel}/${dirent.name}`
      const src = join(root, path)
      const known = dirent.isFile() ? written?.(path) : undefined
      if (known !== undefined && (known.mode & 0o7000) === 0) {
        out.push({ rel: path, type: 'file', src, size: known.size, mode: known.mode })
        continue
      }
      const st = lstatSync(src)
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'file'
      out.push({ rel: path, type, src, size: type === 'file' ? st.size : 0, mode: st.mode & 0o7777 })
      if (type === 'dir') walk(path)
    }
  }
  walk('')
  return out
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

/** Move the content of `from` into `to`, merging folders; the same file twice is a conflict. */
function mergeInto(from: string, to: string, rel: string): void {
  for (const name of readdirSync(from)) {
    const src = join(from, name)
    const dst = join(to, name)
    const path = rel === '' ? name : `${rel}/${name}`
    if (!existsSync(dst) && !isLink(dst)) {
      renameSync(src, dst)
    } else if (isFolder(src) && isFolder(dst)) {
      mergeInto(src, dst, path)
    } else {
      throw new ZoiError('CONFLICT', `two sub-packages of the archive both ship pkgstore/${path}`)
    }
  }
}

function byPath(a: StagedEntry, b: StagedEntry): number {
  return a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0
}

function isFolder(p: string): boolean {
  try {
    return lstatSync(p).isDirectory()
  } catch {
    return false
  }
}

function isFile(p: string): boolean {
  try {
    return lstatSync(p).isFile()
  } catch {
    return false
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink()
  } catch {
    return false
  }
}
