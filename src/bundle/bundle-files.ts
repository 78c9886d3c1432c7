/**
 * The files of a bundle folder against its manifest: listing (sorted, private state and the
 * manifest itself left out), hashing, and the comparison `bundle verify` reports — every file
 * listed must be there with its size and SHA-512, and nothing unlisted may be there, because an
 * extra file in a folder people copy around is as suspicious as a missing one.
 */
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { hashFile } from '../archive/index.ts'
import { BUNDLE_JSON, BUNDLE_SIG, roleOf, type BundleFile, type BundleManifest } from './manifest.ts'

export interface FileProblem {
  path: string
  kind: 'missing' | 'changed' | 'extra' | 'not-a-file'
  detail: string
}

/** Every regular file under `root` except the manifest, its signature and dot-folders, sorted. */
export async function listBundleFiles(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(rel === '' ? root : join(root, rel), { withFileTypes: true })
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`
      if (rel === '' && (e.name.startsWith('.') || e.name === BUNDLE_JSON || e.name === BUNDLE_SIG)) continue
      if (e.isDirectory()) await walk(path)
      else out.push(path)
    }
  }
  await walk('')
  return out
}

/** Size and SHA-512 of each file; `known` (path → entry) skips rehashing files whose size matches. */
export async function describeFiles(root: string, paths: readonly string[], known?: ReadonlyMap<string, BundleFile>): Promise<BundleFile[]> {
  const out: BundleFile[] = []
  for (const path of paths) {
    const st = await lstat(join(root, path))
    const prior = known?.get(path)
    const sha512 = prior && prior.size === st.size ? prior.sha512 : await hashFile(join(root, path), 'sha512')
    out.push({ path, sha512, size: st.size, role: roleOf(path) })
  }
  return out
}

/**
 * What is wrong with the folder against the manifest. Files the manifest inherits from its base
 * must be absent here: they are checked in the base (given before it, or imported earlier).
 */
export async function checkFiles(root: string, manifest: BundleManifest, onFile?: (done: number, total: number) => void): Promise<FileProblem[]> {
  const problems: FileProblem[] = []
  const present = new Set(await listBundleFiles(root))
  const listed = new Set(manifest.files.map((f) => f.path))
  let done = 0
  for (const f of manifest.files) {
    onFile?.(done++, manifest.files.length)
    if (!present.has(f.path)) {
      problems.push({ path: f.path, kind: 'missing', detail: `${f.path} is missing (${f.role}, ${f.size} bytes)` })
      continue
    }
    const st = await lstat(join(root, f.path))
    if (!st.isFile()) {
      problems.push({ path: f.path, kind: 'not-a-file', detail: `${f.path} is not a regular file` })
      continue
    }
    if (st.size !== f.size) {
      problems.push({ path: f.path, kind: 'changed', detail: `${f.path} is ${st.size} bytes, the manifest says ${f.size}` })
      continue
    }
    const sha512 = await hashFile(join(root, f.path), 'sha512')
    if (sha512 !== f.sha512) problems.push({ path: f.path, kind: 'changed', detail: `${f.path} does not match its SHA-512 (got ${sha512.slice(0, 16)}…, expected ${f.sha512.slice(0, 16)}…)` })
  }
  for (const path of present) {
    if (!listed.has(path)) problems.push({ path, kind: 'extra', detail: `${path} is not in the manifest` })
  }
  return problems
}
