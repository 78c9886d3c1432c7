/**
 * `install ./path/name.pkg.lua[:sub][@version]`: the definition file is built for this platform
 * with `package build` into a staging folder of the root, and the archive it makes is then
 * installed like any archive file given on the command line.
 */
import { rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { hostPlatform, platformString } from '../platform/arch.ts'
import { makeStagingDir } from '../platform/fs.ts'
import { parseSource } from '../resolve/index.ts'
import { buildArchives, isBundlePath } from './package-build.ts'

export function isDefinitionPath(source: string): boolean {
  return /\.pkg\.lua(:[^@/]*)?(@.*)?$/.test(source)
}

/** Sources with every definition file replaced by the archive built from it, and a cleanup. */
export async function buildDefinitionSources(
  ctx: Context,
  sources: readonly string[],
  buildType?: string,
): Promise<{ sources: string[]; cleanup: () => Promise<void> }> {
  if (!sources.some((s) => isDefinitionPath(s) || isBundlePath(s))) return { sources: [...sources], cleanup: async () => {} }
  const dir = await makeStagingDir(ctx.layout.tmpDir, 'build-')
  const cleanup = () => rm(dir, { recursive: true, force: true })
  try {
    const out: string[] = []
    for (const source of sources) {
      if (isBundlePath(source)) {
        // A `.zsa`: built with prepare() skipped, then installed like the archive it makes.
        const [built] = await buildArchives(ctx, { definition: resolve(source), outputDir: dir, platforms: [platformString(hostPlatform())], subs: [], buildType })
        if (!built) throw new ZoiError('REFUSED', `'${source}' does not support ${platformString(hostPlatform())}`)
        out.push(built.path)
        continue
      }
      const spec = isDefinitionPath(source) ? parseSource(source) : undefined
      if (spec?.kind !== 'definition-file') {
        out.push(source)
        continue
      }
      const [built] = await buildArchives(ctx, {
        definition: resolve(spec.path),
        outputDir: dir,
        platforms: [platformString(hostPlatform())],
        versionOverride: spec.versionSpec,
        subs: spec.sub ? [spec.sub] : [],
        buildType,
      })
      if (!built) throw new ZoiError('REFUSED', `'${source}' does not support ${platformString(hostPlatform())}`)
      out.push(built.path)
    }
    return { sources: out, cleanup }
  } catch (e) {
    await cleanup()
    throw e
  }
}
