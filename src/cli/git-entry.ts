/**
 * zoi started under the name `git` (the link a build puts first on cmd()'s PATH): the
 * invocation is served from the source cache. Inside a build the cache, offline flag, mirrors
 * and package come from the build's environment; run by hand, from this user's config.
 */
import { createNet } from '../platform/net.ts'
import { ZoiError } from '../errors.ts'
import { noteMiss, SourceCache, runGitCommand, settingsFromEnvironment } from '../sources/index.ts'
import { createContext } from './context.ts'
import { renderError, type Sink } from './render.ts'

export async function runAsGit(args: string[], sink: Sink): Promise<number> {
  const fromBuild = settingsFromEnvironment(process.env)
  try {
    let cache: SourceCache
    if (fromBuild) {
      cache = new SourceCache({ ...fromBuild, net: createNet({ offline: fromBuild.offline }) })
    } else {
      const ctx = await createContext({ offline: false, pkgDirs: [], yes: false, json: false, verbose: false, quiet: true }, () => {})
      cache = new SourceCache({ dir: ctx.layout.sourceCacheDir, net: ctx.net, mirrors: ctx.config.source_mirrors })
    }
    const out = await runGitCommand(cache, args, process.cwd())
    if (out !== '') sink.stdout(out)
    return 0
  } catch (e) {
    if (fromBuild?.misses && e instanceof ZoiError) noteMiss(fromBuild.misses, e)
    return renderError(e, { json: false, verbose: false }, sink)
  }
}
