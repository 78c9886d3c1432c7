/**
 * Fixtures for the store tests: package archives built from a file map inside the test, fresh
 * `--root` and user-scope layouts in temp folders, and tree snapshots to prove that a failed or
 * undone change left the root exactly as it was.
 */
import { createHash } from 'node:crypto'
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { writeArchive } from '../../../src/archive/index.ts'
import { layoutFor, type Layout } from '../../../src/platform/layout.ts'
import { InstalledDb, type InstallRecord } from '../../../src/store/index.ts'

const made: string[] = []

export function tempDir(prefix = 'zoi-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** A file's content, optionally with a mode, or a symlink. */
export type FileSpec = string | { content: string; mode?: number } | { link: string }

export interface ArchiveSpec {
  name: string
  version: string
  pkgstore?: Record<string, FileSpec>
  usrroot?: Record<string, FileSpec>
  usrhome?: Record<string, FileSpec>
  subs?: Record<string, { pkgstore?: Record<string, FileSpec>; usrroot?: Record<string, FileSpec>; usrhome?: Record<string, FileSpec> }>
}

/** Build `<name>-<version>-linux-amd64.pkg.tar.zst` (SPEC §5 layout) and return its path. */
export async function makePackageArchive(spec: ArchiveSpec): Promise<string> {
  const src = tempDir('zoi-pkg-src-')
  writeFileSync(join(src, 'manifest.yaml'), '- data\n')
  writeFileSync(join(src, `${spec.name}.pkg.lua`), `metadata({ name = "${spec.name}", version = "${spec.version}" })\n`)
  const put = (base: string, files: Record<string, FileSpec> | undefined) => {
    for (const [rel, file] of Object.entries(files ?? {})) {
      const path = join(src, base, rel)
      mkdirSync(dirname(path), { recursive: true })
      if (typeof file === 'string') writeFileSync(path, file)
      else if ('link' in file) symlinkSync(file.link, path)
      else {
        writeFileSync(path, file.content)
        if (file.mode !== undefined) chmodSync(path, file.mode)
      }
    }
  }
  put('data/pkgstore', spec.pkgstore)
  put('data/usrroot', spec.usrroot)
  put('data/usrhome', spec.usrhome)
  for (const [sub, parts] of Object.entries(spec.subs ?? {})) {
    put(`data/${sub}/pkgstore`, parts.pkgstore)
    put(`data/${sub}/usrroot`, parts.usrroot)
    put(`data/${sub}/usrhome`, parts.usrhome)
  }
  const out = join(tempDir('zoi-pkg-out-'), `${spec.name}-${spec.version}-linux-amd64.pkg.tar.zst`)
  await writeArchive(out, src)
  return out
}

export function record(name: string, version: string, extra: Partial<InstallRecord> = {}): InstallRecord {
  return { handle: 'zoidberg', repo: 'core', name, version, platform: 'linux-amd64', ...extra }
}

/** A fresh `--root` layout (system scope) with its own fake home. */
export function rootLayout(): { root: string; home: string; layout: Layout } {
  const root = tempDir('zoi-root-')
  const home = tempDir('zoi-home-')
  return { root, home, layout: layoutFor({ root, home }) }
}

/** A user-scope layout in a fake home. */
export function userLayout(): { home: string; layout: Layout } {
  const home = tempDir('zoi-home-')
  return { home, layout: layoutFor({ scope: 'user', home }) }
}

/**
 * Every entry under `dir` with its type, and a file's mode and content hash or a link's target:
 * two equal snapshots mean nothing was added, removed or changed.
 */
export function snapshot(dir: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = []
  const walk = (rel: string) => {
    for (const name of readdirSync(rel === '' ? dir : join(dir, rel)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`
      if (skip(path)) continue
      const full = join(dir, path)
      const st = lstatSync(full)
      if (st.isSymbolicLink()) out.push(`${path} -> ${readlinkSync(full)}`)
      else if (st.isDirectory()) {
        out.push(`${path}/`)
        walk(path)
      } else out.push(`${path} ${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(full)).digest('hex').slice(0, 12)}`)
    }
  }
  walk('')
  return out
}

/** Snapshot of a root leaving out zoi's own db and scratch folders (their content is not the root's state). */
export function rootSnapshot(root: string): string[] {
  return snapshot(root, (rel) => rel === 'var/lib/zoi/pkgs/db' || rel === 'var/lib/zoi/pkgs/tmp')
}

/** A root zoi has been used on: its db and scratch folder exist (they are not part of the root's state). */
export function primeRoot(layout: Layout): void {
  InstalledDb.open(layout.installedDb).close()
  mkdirSync(layout.tmpDir, { recursive: true })
}

export function catchError(fn: () => unknown): Promise<unknown> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => undefined,
      (e) => e,
    )
}
