/**
 * Bench payloads made of files already on this machine (docs, locales, Python, shared
 * libraries): real sizes and real compressibility, nothing downloaded. Each payload is staged as
 * a zoi package tree (`data/pkgstore/…` + definition) and written with zoi's own archive writer.
 */
import { closeSync, copyFileSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { writeArchive } from '../src/archive/index.ts'

const MB = 1 << 20

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
  return packStage(stage, dir, name)
}

/** Adds the definition to the staged package `<stage>` (its `data/` ready) and writes `<dir>/<name>-1.0.0-linux-amd64.pkg.tar.zst`. */
export async function packStage(stage: string, dir: string, name: string): Promise<string> {
  writeFileSync(join(stage, `${name}.pkg.lua`), definitionText(name))
  const archive = join(dir, `${name}-1.0.0-linux-amd64.pkg.tar.zst`)
  mkdirSync(dir, { recursive: true })
  await writeArchive(archive, stage)
  return archive
}

/**
 * One `size`-byte file of real bytes, repeated: the machine's shared libraries one after another
 * (compresses like binaries do, about 3:1 at level 3, not trivially).
 */
export function writeBigFile(path: string, size: number): void {
  mkdirSync(join(path, '..'), { recursive: true })
  const fd = openSync(path, 'w')
  let written = 0
  const libs = machineFiles(['/usr/lib/x86_64-linux-gnu'], 256 * MB)
  while (written < size) {
    for (const f of libs) {
      if (written >= size) break
      const data = readFileSync(f.path).subarray(0, size - written)
      writeSync(fd, data)
      written += data.length
    }
  }
  closeSync(fd)
}

/** `n` small files of this machine (under 4 KiB each), repeated as needed. */
export function tinyFiles(n: number): SourceFile[] {
  const snippets = machineFiles(SOURCES, 64 * MB).filter((f) => f.size < 4096)
  return Array.from({ length: n }, (_, i) => snippets[i % snippets.length]!)
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
