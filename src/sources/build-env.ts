/**
 * How a build's child processes reach the source cache. cmd() runs with PATH starting at a
 * folder whose `git` is the zoi binary itself; that `git` (a separate process) learns where the
 * cache is, whether the run is offline, the mirrors and the package being built from these
 * variables, so it obeys exactly what the build it serves obeys.
 */
import { appendFileSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import { ZoiError } from '../errors.ts'
import { delimiter, join } from 'node:path'
import type { SourceCache } from './source-cache.ts'

export const SOURCE_ENV = {
  cache: 'ZOI_SOURCE_CACHE',
  offline: 'ZOI_OFFLINE',
  mirrors: 'ZOI_SOURCE_MIRRORS',
  pkg: 'ZOI_SOURCE_PACKAGE',
  misses: 'ZOI_SOURCE_MISSES',
} as const

export interface SourceSettings {
  dir: string
  offline: boolean
  mirrors: string[]
  pkg?: string
  /** File where the `git` process notes a source it could not supply (see noteMiss). */
  misses?: string
}

/** The variables handed to cmd(); `shimDir` (when zoi runs as a compiled binary) goes first on PATH. */
export function sourceEnvironment(cache: SourceCache, shimDir: string | undefined, missesFile?: string, path = process.env.PATH ?? ''): Record<string, string> {
  const env: Record<string, string> = {
    [SOURCE_ENV.cache]: cache.dir,
    [SOURCE_ENV.offline]: cache.opts.net.offline ? '1' : '0',
    [SOURCE_ENV.mirrors]: cache.opts.mirrors.join('\n'),
  }
  if (cache.opts.pkg !== undefined) env[SOURCE_ENV.pkg] = cache.opts.pkg
  if (missesFile !== undefined) env[SOURCE_ENV.misses] = missesFile
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
    misses: env[SOURCE_ENV.misses] || undefined,
  }
}

interface Miss {
  code: 'OFFLINE' | 'NETWORK'
  message: string
  hint?: string
}

/**
 * The `git` of a build notes a source it could not supply. cmd() only hands the definition an
 * exit code, which most definitions turn into a generic error; the build reads the note back
 * (firstMiss) so that the failure is still exit 5 naming the URL.
 */
export function noteMiss(file: string, error: ZoiError): void {
  if (error.code !== 'OFFLINE' && error.code !== 'NETWORK') return
  appendFileSync(file, JSON.stringify({ code: error.code, message: error.message, hint: error.hint } satisfies Miss) + '\n')
}

export function firstMiss(file: string): ZoiError | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  const line = text.split('\n').find((l) => l.trim() !== '')
  if (line === undefined) return undefined
  const miss = JSON.parse(line) as Miss
  return new ZoiError(miss.code, `git in cmd(): ${miss.message}`, { hint: miss.hint })
}

/** Makes `<dir>/git` a link to the zoi executable (multi-call: zoi acts as git under that name). */
export function makeGitShim(dir: string, zoiExecutable: string): string {
  mkdirSync(dir, { recursive: true })
  symlinkSync(zoiExecutable, join(dir, process.platform === 'win32' ? 'git.exe' : 'git'))
  return dir
}
