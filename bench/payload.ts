/**
 * Bench payloads made of files already on this machine (docs, locales, Python, shared
 * libraries): real sizes and real compressibility, nothing downloaded. Each payload is staged as
 * a zoi package tree (`data/pkgstore/…` + definition) and written with zoi's own archive writer.
 */
import { copyFileSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeArchive } from '../src/archive/index.ts'

export const SOURCES = ['/usr/share/doc', '/usr/share/locale', '/usr/lib/python3', '/usr/lib/python3.11', '/usr/share/i18n', '/usr/share/zoneinfo', '/usr/lib/x86_64-linux-gnu']

export interface SourceFile {
  path: string
  size: number
}

/** Regular files under `roots`, in a stable order, until `maxBytes` (symlinks and unreadable entries skipped). */
export function machineFiles(roots: string[], maxBytes: number): SourceFile[] {
  const out: SourceFile[] = []
  let total = 0
  const walk = (dir: string): boolean => {
    let names: string[]
    try {
      names = readdirSync(dir).sort()
    } catch {
      return true
    }
    for (const name of names) {
      const path = join(dir, name)
      const st = lstatSync(path, { throwIfNoEntry: false })
      if (!st) continue
      if (st.isDirectory()) {
        if (!walk(path)) return false
      } else if (st.isFile() && st.size > 0) {
        if (total + st.size > maxBytes) return false
        out.push({ path, size: st.size })
        total += st.size
      }
    }
    return true
  }
  for (const root of roots) if (!walk(root)) break
  return out
}

/** Splits `files` into `n` groups of about equal bytes, keeping order. */
export function splitBySize(files: SourceFile[], n: number): SourceFile[][] {
  const total = files.reduce((a, f) => a + f.size, 0)
  const groups: SourceFile[][] = [[]]
  let acc = 0
  for (const f of files) {
    if (acc > (total / n) * groups.length && groups.length < n) groups.push([])
    groups[groups.length - 1]!.push(f)
    acc += f.size
  }
  return groups
}

export function definitionText(name: string): string {
  return `metadata({ name = "${name}", repo = "core", version = "1.0.0", description = "bench payload ${name}" })\n`
}

/** Stages `files` under data/pkgstore/ and writes `<dir>/<name>-1.0.0-linux-amd64.pkg.tar.zst`. */
export async function writePackage(work: string, dir: string, name: string, files: SourceFile[], rel: (f: SourceFile, i: number) => string = (f) => f.path.slice(1)): Promise<string> {
  const stage = join(work, 'stage', name)
  for (const [i, f] of files.entries()) {
    const to = join(stage, 'data/pkgstore', rel(f, i))
    mkdirSync(join(to, '..'), { recursive: true })
    copyFileSync(f.path, to)
  }
  writeFileSync(join(stage, `${name}.pkg.lua`), definitionText(name))
  const archive = join(dir, `${name}-1.0.0-linux-amd64.pkg.tar.zst`)
  mkdirSync(dir, { recursive: true })
  await writeArchive(archive, stage)
  return archive
}

/** A plain-folder registry with one definition per name (synced with `zoi sync set <dir>`). */
export function writeRegistry(dir: string, names: string[]): void {
  writeFileSync(join(mkdirp(dir), 'repo.yaml'), 'name: bench\nrepos:\n  - {name: core, active: true}\n')
  for (const name of names) writeFileSync(join(mkdirp(join(dir, 'core', name)), `${name}.pkg.lua`), definitionText(name))
}

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true })
  return dir
}
