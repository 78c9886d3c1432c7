/**
 * isomorphic-git, loaded on first call. Its module initialisation costs several milliseconds,
 * which every command would pay at start-up with a static import, even `zoi --version`. Every
 * function zoi calls on it is async, so each call here awaits the (cached) dynamic import first.
 */
type GitModule = typeof import('isomorphic-git')
type AsyncFunctions = { [K in keyof GitModule as GitModule[K] extends (...a: never[]) => Promise<unknown> ? K : never]: GitModule[K] }

let loaded: Promise<GitModule> | undefined

/** Same functions as `import * as git from 'isomorphic-git'`, loading the library on first call. */
export const git = new Proxy({} as AsyncFunctions, {
  get(_, name: string) {
    return async (...args: unknown[]) => {
      const lib = (await (loaded ??= import('isomorphic-git'))) as unknown as Record<string, (...a: unknown[]) => unknown>
      return await lib[name]!(...args)
    }
  },
})
