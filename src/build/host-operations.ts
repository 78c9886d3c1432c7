/**
 * The host side of build mode: what each operation a lifecycle function calls (zcp, cmd,
 * UTILS.EXTRACT, …) does on this machine. src/lua hands every call here as a request; this
 * module checks the arguments, does the work and returns the Lua results. Errors are ZoiErrors
 * whose code survives the trip through Lua (UNSAFE_PATH, OFFLINE, …).
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { hashFile } from '../archive/index.ts'
import { describeError, ZoiError } from '../errors.ts'
import type { HostHandler, HostRequest, HostValue } from '../lua/index.ts'
import type { Report } from '../progress.ts'
import type { SourceCache } from '../sources/index.ts'
import { isInside, refuseEscapingSource, resolveDestination, resolveSource, type BuildRoots } from './build-paths.ts'
import { findChecksum } from './checksum-file.ts'
import { changeMode, copyDoc, copyIntoStaging, copyLicense, makeDirectory, makeLink } from './file-operations.ts'
import { parseHashSpec } from './hash-spec.ts'
import { runCommand } from './run-command.ts'
import { downloadFile, downloadNamed, extractInto, fetchText } from './source-fetch.ts'

export interface OperationContext {
  roots: BuildRoots
  /** Every build-time fetch by URL goes through it. */
  sources: SourceCache
  /** Files written from a URL during this build → that URL (verifyHash judges the cached blob). */
  fetched: Map<string, string>
  report: Report
  /** zrm() paths, recorded for uninstall. */
  removals: string[]
  commandTimeoutMs: number
  /** Extra environment for cmd(): BUILD_DIR, STAGING_DIR, … */
  env: Record<string, string>
}

/** The yaml library, loaded on first use so that start-up does not pay for it. */
const yaml = (): typeof import('yaml') => require('yaml')

type Operation = (args: Args, ctx: OperationContext) => Promise<HostValue[]> | HostValue[]

const OPERATIONS: Record<string, Operation> = {
  zcp: (a, c) => none(copyIntoStaging(c.roots, a.text(0, 'src'), a.text(1, 'dst'))),
  zln: (a, c) => none(makeLink(c.roots, a.text(0, 'target'), a.text(1, 'link'))),
  zmkdir: (a, c) => none(makeDirectory(c.roots, a.text(0, 'path'))),
  zchmod: (a, c) => none(changeMode(c.roots, a.text(0, 'path'), a.textOrNumber(1, 'mode'))),
  zlicense: (a, c) => none(copyLicense(c.roots, a.text(0, 'src'))),
  zdoc: (a, c) => none(copyDoc(c.roots, a.text(0, 'src'))),
  zrm: (a, c) => {
    const path = a.text(0, 'path')
    resolveDestination(path, c.roots, 'zrm') // the same rules as any destination, checked now
    c.removals.push(path)
    return []
  },
  cmd: async (a, c) => {
    const result = await runCommand(a.text(0, 'command'), { cwd: c.roots.buildDir, env: c.env, timeoutMs: c.commandTimeoutMs })
    return [result.stdout, result.stderr, result.code]
  },
  verifyHash: async (a, c) => {
    const file = refuseEscapingSource(resolveSource(a.text(0, 'path'), c.roots, 'verifyHash'), 'verifyHash')
    const expected = parseHashSpec(a.text(1, 'hash'))
    const ok = (await hashFile(file, expected.algorithm)) === expected.hex
    // A cached source the definition refuses must not be served again.
    const url = c.fetched.get(file)
    if (!ok && url !== undefined) c.sources.forget(url)
    return [ok]
  },
  'UTILS.EXTRACT': async (a, c) => [await extractInto(c, a.text(0, 'source'), a.optionalText(1, 'out_dir') ?? 'extracted')],
  'UTILS.FILE': async (a, c) => [await downloadFile(c, a.text(0, 'url'), a.text(1, 'path'))],
  'UTILS.DOWNLOAD': async (a, c) => [await downloadNamed(c, a.text(0, 'url'), a.optionalText(1, 'name'), a.optionalText(2, 'hash'))],
  'UTILS.FETCH.url': async (a, c) => [await fetchText(c, a.text(0, 'url'))],
  'UTILS.FS.exists': (a, c) => [existsSync(resolveSource(a.text(0, 'path'), c.roots, 'UTILS.FS.exists').path)],
  'UTILS.FIND.file': (a, c) => [findFile(c.roots, a.text(0, 'dir'), a.text(1, 'name'))],
  'UTILS.PARSE.json': (a) => [parseWith('json', () => JSON.parse(a.text(0, 'text')) as HostValue)],
  'UTILS.PARSE.yaml': (a) => [parseWith('yaml', () => (yaml().parse(a.text(0, 'text')) ?? null) as HostValue)],
  'UTILS.PARSE.checksumFile': (a) => [findChecksum(a.text(0, 'content'), a.text(1, 'filename')) ?? null],
}

/** The HostHandler given to startBuild for one (sub-)package. */
export function hostOperations(ctx: OperationContext): HostHandler {
  return async (request: HostRequest) => {
    const operation = OPERATIONS[request.operation]
    if (!operation) throw new ZoiError('BAD_DEFINITION', `${request.operation}() is not a build operation`)
    return operation(new Args(request), ctx)
  }
}

function none(_: void): HostValue[] {
  return []
}

class Args {
  constructor(private readonly request: HostRequest) {}

  text(index: number, name: string): string {
    const value = this.request.args[index]
    if (typeof value === 'string') return value
    throw this.wrongType(index, name, 'a string', value)
  }

  optionalText(index: number, name: string): string | undefined {
    return this.request.args[index] == null ? undefined : this.text(index, name)
  }

  textOrNumber(index: number, name: string): string | number {
    const value = this.request.args[index]
    if (typeof value === 'string' || typeof value === 'number') return value
    throw this.wrongType(index, name, 'a string or a number', value)
  }

  private wrongType(index: number, name: string, expected: string, value: HostValue | undefined): ZoiError {
    const got = value == null ? 'nil' : Array.isArray(value) || typeof value === 'object' ? 'table' : typeof value
    return new ZoiError('BAD_DEFINITION', `${this.request.operation}() expects ${expected} as argument ${index + 1} (${name}), got ${got}`)
  }
}

function parseWith(format: string, parse: () => HostValue): HostValue {
  try {
    return parse()
  } catch (e) {
    if (e instanceof ZoiError) throw e
    throw new ZoiError('BAD_DEFINITION', `UTILS.PARSE.${format}: invalid ${format.toUpperCase()}: ${describeError(e)}`)
  }
}

/** The first file called `name` below `dir` (sorted walk, links not followed), relative to BUILD_DIR when inside it. */
function findFile(roots: BuildRoots, dir: string, name: string): string | null {
  const start = resolveSource(dir, roots, 'UTILS.FIND.file')
  const walk = (folder: string): string | null => {
    let names: string[]
    try {
      names = readdirSync(folder).sort()
    } catch {
      return null
    }
    for (const entry of names) if (entry === name) return join(folder, entry)
    for (const entry of names) {
      const path = join(folder, entry)
      if (lstatSync(path).isDirectory()) {
        const found = walk(path)
        if (found) return found
      }
    }
    return null
  }
  const found = walk(start.path)
  if (found === null) return null
  return isInside(roots.buildDir, found) ? relative(roots.buildDir, found) : found
}
