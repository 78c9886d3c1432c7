/**
 * Shared helpers for the build tests: a throwaway folder per test holding a definition (and
 * whatever files it needs), a build into that folder, and ways to look inside the result.
 */
export { zoiFailure as failure } from '../../support/expect-error.ts'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { listArchive, readArchiveMember } from '../../../src/archive/index.ts'
import { buildPackage, type BuildOptions, type BuiltArchive } from '../../../src/build/index.ts'
import { createNet, type Net } from '../../../src/platform/net.ts'
import type { ProgressEvent } from '../../../src/progress.ts'

export const OFFLINE: Net = createNet({ offline: true })
export const REPO = join(import.meta.dir, '../../..')

const folders: string[] = []

/** Removes every scratch folder made so far; each test file runs it with afterEach. */
export function removeScratch(): void {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** A fresh folder removed after the test. */
export function scratch(prefix = 'zoi-build-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  folders.push(dir)
  return dir
}

export interface Fixture {
  dir: string
  definition: string
  out: string
  temp: string
  events: ProgressEvent[]
  build(extra?: Partial<BuildOptions>): Promise<BuiltArchive[]>
}

/** Writes `files` (path → text) and `<name>/<name>.pkg.lua` with `lua` into a fresh folder. */
export function fixture(lua: string, files: Record<string, string> = {}, name = 'demo'): Fixture {
  const dir = scratch()
  const definition = join(dir, 'pkg', name, `${name}.pkg.lua`)
  mkdirSync(dirname(definition), { recursive: true })
  writeFileSync(definition, lua)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dirname(definition), path)), { recursive: true })
    writeFileSync(join(dirname(definition), path), text)
  }
  const out = join(dir, 'out')
  const temp = join(dir, 'tmp')
  const events: ProgressEvent[] = []
  return {
    dir, definition, out, temp, events,
    build: (extra = {}) => buildPackage({
      definition, outputDir: out, tempDir: temp, net: OFFLINE, platforms: ['linux-amd64'],
      report: (e) => events.push(e), ...extra,
    }),
  }
}

/** A definition whose package() body is `body` (plus metadata that builds on linux). */
export function packageWith(body: string, extra = ''): string {
  return `metadata({ name = "demo", version = "1.0.0", description = "d", types = { "source" } })
${extra}
function package()
${body}
end
`
}


export function sha512Of(path: string): string {
  return createHash('sha512').update(readFileSync(path)).digest('hex')
}

/** Every entry of an archive as `type path[ -> target]`. */
export async function entriesOf(path: string): Promise<string[]> {
  return (await listArchive(path)).map((e) => `${e.type} ${e.path}${e.linkTarget ? ` -> ${e.linkTarget}` : ''}`)
}

export async function memberText(archive: string, member: string): Promise<string | undefined> {
  const bytes = await readArchiveMember(archive, member)
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes)
}

/** Files in a folder (empty when it does not exist). */
export function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir).sort()
  } catch {
    return []
  }
}
