/**
 * Writing a `.zpa` (SPEC §9) from a build's staging folder (`data/[<sub>/]{pkgstore,usrroot,
 * usrhome}` + the definition): the pooled layout Zoi reads — `<name>.pkg.lua`, `manifest.json`
 * (version "2", pool, one mapping per sub-package, the same for every scope) and
 * `pool/sha256-<hex>`, one entry per distinct file named by its TRUE SHA-256. The tar itself is
 * written by writeArchive, so it is reproducible the same way (sorted, fixed mtime, uid/gid 0).
 */
import { copyFileSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { hashFile } from './hash-file.ts'
import { writeArchive, type WriteResult } from './tar-write.ts'
import { ZPA_ROOTS, zpaFileList, type ZpaManifest, type ZpaScope } from './zpa-manifest.ts'

/** Zoi's default when a definition names no scopes (reference §1.4 step 3). */
export const ZPA_SCOPES = ['user', 'system', 'project'] as const

export interface ZpaWriteOptions {
  /** The definition file in `stagingDir`, stored at the archive root. */
  definitionName: string
  mtime?: number
  scopes?: readonly string[]
}

export interface ZpaWriteResult extends WriteResult {
  /** The `.zpa.files` lines. */
  files: string[]
}

/** Writes `outPath`; `workDir` (must not exist) holds the pooled tree meanwhile and is removed. */
export async function writeZpa(outPath: string, stagingDir: string, workDir: string, options: ZpaWriteOptions): Promise<ZpaWriteResult> {
  mkdirSync(join(workDir, 'pool'), { recursive: true })
  try {
    const pool: Record<string, { size: number }> = {}
    const mappings = new Map<string, Map<string, ZpaScope>>()
    const data = join(stagingDir, 'data')
    const subs = readdirSync(data).filter((n) => !(ZPA_ROOTS as readonly string[]).includes(n)).sort()
    for (const sub of ['', ...subs]) {
      const mapping: ZpaScope = { files: [], symlinks: [], dirs: [] }
      for (const root of ZPA_ROOTS) await collect(join(sub === '' ? data : join(data, sub), root), root, '', mapping, pool, workDir)
      if (sub !== '' || mapping.files.length + mapping.symlinks.length + mapping.dirs.length > 0 || subs.length === 0) {
        mappings.set(sub, new Map((options.scopes ?? ZPA_SCOPES).map((s) => [s, mapping])))
      }
    }
    writeFileSync(join(workDir, 'manifest.json'), manifestJson({ mappings }, pool))
    copyFileSync(join(stagingDir, options.definitionName), join(workDir, options.definitionName))
    const written = await writeArchive(outPath, workDir, { mtime: options.mtime })
    return { ...written, files: zpaFileList({ mappings }) }
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

/** Walks one placeholder root in sorted order, pooling regular files by their SHA-256. */
async function collect(dir: string, root: (typeof ZPA_ROOTS)[number], rel: string, out: ZpaScope, pool: Record<string, { size: number }>, workDir: string): Promise<void> {
  let names: string[]
  try {
    names = readdirSync(dir).sort()
  } catch {
    return
  }
  for (const name of names) {
    const path = join(dir, name)
    const r = rel === '' ? name : `${rel}/${name}`
    const st = lstatSync(path)
    if (st.isDirectory()) {
      out.dirs.push({ path: { root, rel: r }, mode: st.mode & 0o777 })
      await collect(path, root, r, out, pool, workDir)
    } else if (st.isSymbolicLink()) {
      out.symlinks.push({ link: { root, rel: r }, target: readlinkSync(path) })
    } else {
      const key = `sha256-${await hashFile(path, 'sha256')}`
      if (pool[key] === undefined) {
        pool[key] = { size: st.size }
        // A hard link where possible: the file is read once more by the tar writer, never copied.
        try {
          linkSync(path, join(workDir, 'pool', key))
        } catch {
          copyFileSync(path, join(workDir, 'pool', key))
        }
      }
      out.files.push({ dest: { root, rel: r }, pool: key, mode: st.mode & 0o777 })
    }
  }
}

/** Zoi's JSON shape, keys in a fixed order so equal inputs give equal bytes. */
function manifestJson(manifest: ZpaManifest, pool: Record<string, { size: number }>): string {
  const place = (p: { root: string; rel: string }) => `\${${p.root}}${p.rel === '' ? '' : `/${p.rel}`}`
  const mappings: Record<string, unknown> = {}
  for (const sub of [...manifest.mappings.keys()].sort()) {
    const scopes: Record<string, unknown> = {}
    for (const [scope, m] of manifest.mappings.get(sub)!) {
      scopes[scope] = {
        ...(m.files.length ? { files: m.files.map((f) => ({ dest: place(f.dest), hash: f.pool, mode: f.mode })) } : {}),
        ...(m.symlinks.length ? { symlinks: m.symlinks.map((l) => ({ link: place(l.link), target: l.target })) } : {}),
        ...(m.dirs.length ? { dirs: m.dirs.map((d) => ({ path: place(d.path), mode: d.mode })) } : {}),
      }
    }
    mappings[sub] = { scopes }
  }
  const sortedPool = Object.fromEntries(Object.keys(pool).sort().map((k) => [k, pool[k]]))
  return `${JSON.stringify({ version: '2', pool: sortedPool, mappings }, null, 2)}\n`
}
