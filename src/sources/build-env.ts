/**
 * How a build's child processes reach the source cache. cmd() runs with PATH starting at a
 * folder whose `git` is the zoi binary itself; that `git` (a separate process) learns where the
 * cache is, whether the run is offline, the mirrors and the package being built from these
 * variables, so it obeys exactly what the build it serves obeys.
 */
import { symlinkSync, mkdirSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { SourceCache } from './source-cache.ts'

export const SOURCE_ENV = {
  cache: 'ZOI_SOURCE_CACHE',
  offline: 'ZOI_OFFLINE',
  mirrors: 'ZOI_SOURCE_MIRRORS',
  pkg: 'ZOI_SOURCE_PACKAGE',
} as const

export interface SourceSettings {
  dir: string
  offline: boolean
  mirrors: string[]
  pkg?: string
}

/** The variables handed to cmd(); `shimDir` (when zoi runs as a compiled binary) goes first on PATH. */
export function sourceEnvironment(cache: SourceCache, shimDir: string | undefined, path = process.env.PATH ?? ''): Record<string, string> {
  const env: Record<string, string> = {
    [SOURCE_ENV.cache]: cache.dir,
    [SOURCE_ENV.offline]: cache.opts.net.offline ? '1' : '0',
    [SOURCE_ENV.mirrors]: cache.opts.mirrors.join('\n'),
  }
  if (cache.opts.pkg !== undefined) env[SOURCE_ENV.pkg] = cache.opts.pkg
  if (shimDir !== undefined) env.PATH = path === '' ? shimDir : `${shimDir}${delimiter}${path}`
  return env
}

/** Reads the variables back in the `git` process; undefined outside a build. */
export function settingsFromEnvironment(env: Record<string, string | undefined>): SourceSettings | undefined {
  const dir = env[SOURCE_ENV.cache]
  if (!dir) return undefined
  return {
    dir,
    offline: env[SOURCE_ENV.offline] === '1',
    mirrors: (env[SOURCE_ENV.mirrors] ?? '').split('\n').filter((m) => m !== ''),
    pkg: env[SOURCE_ENV.pkg] || undefined,
  }
}

/** Makes `<dir>/git` a link to the zoi executable (multi-call: zoi acts as git under that name). */
export function makeGitShim(dir: string, zoiExecutable: string): string {
  mkdirSync(dir, { recursive: true })
  symlinkSync(zoiExecutable, join(dir, process.platform === 'win32' ? 'git.exe' : 'git'))
  return dir
}
