/**
 * An archive file given on the command line (`install ./x.pkg.tar.zst`, `package install x`):
 * its definition is read from inside it and evaluated for this platform, so it installs like
 * any registry package (handle `local`), dependencies resolved from the synced registries.
 */
import { existsSync, statSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { readArchiveMember } from '../archive/index.ts'
import { archiveSuffix, parseArchiveName } from '../cache/index.ts'
import { ZoiError } from '../errors.ts'
import { evaluateDefinition } from '../lua/index.ts'
import { hostPlatform, platformString } from '../platform/arch.ts'
import type { Catalog, CatalogPackage } from '../resolve/index.ts'

export const LOCAL_HANDLE = 'local'

export interface LocalArchive {
  path: string
  /** The folder holding it: searched first, so sidecars beside it are used for verification. */
  dir: string
  fileName: string
  pkg: CatalogPackage
  bins: string[]
  backup: string[]
}

export function isArchivePath(source: string): boolean {
  return archiveSuffix(source) !== undefined
}

export async function readLocalArchive(source: string): Promise<LocalArchive> {
  const path = resolve(source)
  if (!existsSync(path) || !statSync(path).isFile()) throw new ZoiError('NOT_FOUND', `archive '${source}' does not exist`)
  const fileName = basename(path)
  let definitionName = ''
  const definitionBytes = await readArchiveMember(path, (e) => {
    const found = e.type === 'file' && !e.path.includes('/') && e.path.endsWith('.pkg.lua')
    if (found) definitionName = e.path
    return found
  })
  if (!definitionBytes) throw new ZoiError('INTEGRITY', `${fileName}: holds no <name>.pkg.lua at its root`, { hint: 'only archives made by zoi (or Zoi) package build can be installed' })
  const parsed = parseArchiveName(fileName, definitionName.replace(/\.pkg\.lua$/, '') || undefined)
  if (!parsed) throw new ZoiError('USAGE', `archive file name '${fileName}' is not <name>-<version>-<os>-<arch>.pkg.tar.zst (or .zpa)`)
  const host = platformString(hostPlatform())
  if (parsed.platform !== host) {
    throw new ZoiError('REFUSED', `${fileName} is built for ${parsed.platform}; this machine is ${host}`)
  }
  const [os, arch] = host.split('-') as [never, never]
  const spec = await evaluateDefinition({ source: new TextDecoder().decode(definitionBytes), file: `${fileName}:${definitionName}`, target: { os, arch }, version: parsed.version })
  if (spec.name !== parsed.name) throw new ZoiError('INTEGRITY', `${fileName}: its definition names package '${spec.name}', not '${parsed.name}'`)
  return {
    path,
    dir: dirname(path),
    fileName,
    bins: spec.bins,
    backup: spec.backup,
    pkg: {
      handle: LOCAL_HANDLE,
      repo: spec.repo ?? '',
      name: spec.name,
      version: parsed.version,
      revision: spec.revision,
      channels: {},
      dependencies: spec.dependencies.runtime.required,
      provides: spec.provides,
      conflicts: spec.conflicts,
      replaces: spec.replaces,
      subPackages: spec.subPackages,
      mainSubs: spec.mainSubs,
      platforms: spec.platforms,
    },
  }
}

/** The registries' catalog with the local archives laid over it (local first). */
export function overlayCatalog(base: Catalog, locals: readonly LocalArchive[]): Catalog {
  const matches = (pkg: CatalogPackage, scope?: { handle?: string; repo?: string }) => !scope?.handle || scope.handle === pkg.handle
  return {
    candidates: (name, scope) => [...locals.map((l) => l.pkg).filter((p) => p.name === name && matches(p, scope)), ...(scope?.handle === LOCAL_HANDLE ? [] : base.candidates(name, scope))],
    providers: (virtual) => [...locals.map((l) => l.pkg).filter((p) => p.provides.includes(virtual)), ...base.providers(virtual)],
  }
}
