/**
 * The mirror's manifest: every file (dot-names excluded, the manifests themselves too) with its
 * size and SHA-512, as `manifest.json` and as `manifest.sha512` in sha512sum format, so a copy
 * of the folder can be checked with `sha512sum -c manifest.sha512` and no zoi. Hashes of files
 * whose size and mtime are unchanged since the last run are reused from a private cache.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { hashFile } from '../archive/index.ts'
import { writeFileAtomic } from '../platform/fs.ts'
import { MANIFEST_JSON, MANIFEST_SHA512, STATE_DIR } from './mirror-layout.ts'

export interface ManifestFile {
  path: string
  size: number
  sha512: string
}

export interface Manifest {
  format: 1
  registry: Record<string, string>
  files: ManifestFile[]
}

type HashCache = Record<string, [size: number, mtimeMs: number, sha512: string]>

const CACHE_FILE = 'manifest-hashes.json'

/** Walks the mirror, hashes what changed, writes both manifests; returns the manifest. */
export async function writeManifest(root: string, registry: Record<string, string>): Promise<{ manifest: Manifest; hashed: number }> {
  const cacheFile = join(root, STATE_DIR, CACHE_FILE)
  const previous = await readHashCache(cacheFile)
  const next: HashCache = {}
  const files: ManifestFile[] = []
  let hashed = 0
  for (const path of await listFiles(root)) {
    const info = await stat(join(root, path))
    const known = previous[path]
    let sha512: string
    if (known && known[0] === info.size && known[1] === info.mtimeMs) sha512 = known[2]
    else {
      sha512 = await hashFile(join(root, path), 'sha512')
      hashed++
    }
    next[path] = [info.size, info.mtimeMs, sha512]
    files.push({ path, size: info.size, sha512 })
  }
  const manifest: Manifest = { format: 1, registry, files }
  await writeFileAtomic(join(root, MANIFEST_JSON), `${JSON.stringify(manifest, null, 2)}\n`)
  await writeFileAtomic(join(root, MANIFEST_SHA512), files.map((f) => `${f.sha512}  ${f.path}\n`).join(''))
  await writeFileAtomic(cacheFile, JSON.stringify(next))
  return { manifest, hashed }
}

/** The hash cache is only a shortcut: unreadable or garbled, everything is hashed again. */
async function readHashCache(file: string): Promise<HashCache> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'))
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as HashCache) : {}
  } catch {
    return {}
  }
}

/** Regular files under `root`, `/`-separated and sorted; dot-names and the manifests are left out. */
export async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = []
  const entries = await readdir(join(root, rel), { withFileTypes: true })
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith('.')) continue
    const path = rel ? `${rel}/${e.name}` : e.name
    if (!rel && (e.name === MANIFEST_JSON || e.name === MANIFEST_SHA512)) continue
    if (e.isDirectory()) out.push(...(await listFiles(root, path)))
    else if (e.isFile()) out.push(path)
  }
  return out
}
