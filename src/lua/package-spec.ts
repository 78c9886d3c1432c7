/**
 * PackageSpec: what a definition declares, checked and typed. Built from the JSON that
 * sandbox.lua returns; every problem names the file (and the line of the metadata() call that
 * set the key, when known).
 */
import { readDependencies, type RawDependencies } from './dependencies.ts'
import { asRecord, describeJson, readString, readStringList, readStringMap, type Fail, type JsonRecord } from './value-checks.ts'

export interface Person {
  name: string
  email?: string
  website?: string
}

export interface PackageSpec {
  name: string
  repo?: string
  version?: string
  /** channel → version (or a URL that names one; resolving it is not done here). */
  versions: Record<string, string>
  revision: string
  description?: string
  website?: string
  git?: string
  license?: string
  maintainer?: Person
  author?: Person
  bins: string[]
  types: string[]
  /** As declared; empty when the definition does not say. */
  platforms: string[]
  subPackages: string[]
  mainSubs: string[]
  provides: string[]
  conflicts: string[]
  replaces: string[]
  tags: string[]
  scope?: 'user' | 'system' | 'project'
  man?: string | string[] | Record<string, string>
  backup: string[]
  dependencies: RawDependencies
  /** Metadata keys zoi does not model (kept as data), plus non-empty hooks{}, service{}, updates{}. */
  extra: Record<string, unknown>
}

/** What sandbox.lua's evaluate returns, after JSON.parse. */
export interface EvaluationResult {
  called: boolean
  metadata: unknown
  dependencies: unknown
  hooks: unknown
  service: unknown
  updates: unknown
}

const LIST_KEYS = {
  bins: 'bins', types: 'types', platforms: 'platforms', sub_packages: 'subPackages', main_subs: 'mainSubs',
  provides: 'provides', conflicts: 'conflicts', replaces: 'replaces', tags: 'tags', backup: 'backup',
} as const
const LIST_KEY_NAMES = Object.keys(LIST_KEYS) as (keyof typeof LIST_KEYS)[]
const STRING_KEYS = ['repo', 'description', 'website', 'git', 'license'] as const
const MODELLED = new Set<string>([
  ...Object.keys(LIST_KEYS), ...STRING_KEYS,
  'name', 'version', 'versions', 'revision', 'maintainer', 'author', 'scope', 'man', 'dependencies',
])
const SCOPES = ['user', 'system', 'project'] as const

// name, version and sub-package names become path components (store folders, archive names,
// data/<sub>/), and bins become link names in a bin folder: they must not be able to hold a
// path separator or '..'. Other modules check again; this is the first line.
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/
const SAFE_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,127}$/
const SAFE_FILE_NAME = /^(?!\.\.?$)[^/\\\0]{1,255}$/

/**
 * Checks and types an evaluation result. `fail(what, key)` throws the definition's error;
 * `key` (a metadata key) lets it point at the metadata() call that set it.
 */
export function toPackageSpec(result: EvaluationResult, fail: (what: string, key?: string) => never): PackageSpec {
  if (!result.called) fail('metadata() is never called')
  const meta = asRecord(result.metadata) ?? {}
  const at = (key: string): Fail => (what) => fail(what, key)
  const label = (key: string): string => `metadata '${key}'`

  // The checks run for every definition of a registry: the plain cases are tested inline, and
  // only a value that is not one reaches the reader that builds the message.
  const text = (key: string): string | undefined => {
    const value = meta[key]
    return value === undefined || typeof value === 'string' ? value : readString(value, label(key), at(key))
  }

  const name = text('name')
  if (name === undefined || name === '') fail("metadata has no 'name'")
  if (!SAFE_NAME.test(name)) fail(`metadata 'name' ${JSON.stringify(name)} is not a valid package name (letters, digits, . _ + -)`, 'name')
  const version = text('version')
  const versions = readStringMap(meta.versions, label('versions'), at('versions'))
  if (version === undefined && Object.keys(versions).length === 0) fail("metadata has neither 'version' nor 'versions'")
  if (version !== undefined && !SAFE_VERSION.test(version)) {
    fail(`metadata 'version' ${JSON.stringify(version)} is not a valid version (letters, digits, . _ + ~ -)`, 'version')
  }

  const lists = {} as Record<(typeof LIST_KEYS)[keyof typeof LIST_KEYS], string[]>
  for (const key of LIST_KEY_NAMES) {
    const value = meta[key]
    lists[LIST_KEYS[key]] = value === undefined ? [] : isStringList(value) ? value : readStringList(value, label(key), at(key))
  }
  for (const sub of lists.subPackages) {
    if (!SAFE_NAME.test(sub)) fail(`metadata 'sub_packages' entry ${JSON.stringify(sub)} is not a valid name`, 'sub_packages')
  }
  for (const bin of lists.bins) {
    if (!SAFE_FILE_NAME.test(bin)) fail(`metadata 'bins' entry ${JSON.stringify(bin)} must be a file name, not a path`, 'bins')
  }

  const strings: Partial<Record<(typeof STRING_KEYS)[number], string>> = {}
  for (const key of STRING_KEYS) strings[key] = text(key)

  const scope = text('scope')
  if (scope !== undefined && !(SCOPES as readonly string[]).includes(scope)) {
    fail(`metadata 'scope' must be one of ${SCOPES.join(', ')}, not ${JSON.stringify(scope)}`, 'scope')
  }

  const fromCalls = asRecord(result.dependencies) ?? {}
  const declared = Object.keys(fromCalls).length > 0 ? fromCalls : meta.dependencies
  const dependencies = readDependencies(declared, (what) => fail(what, meta.dependencies === declared ? 'dependencies' : undefined))

  return dropUndefined({
    name,
    repo: strings.repo,
    version,
    versions,
    revision: text('revision') ?? '1',
    description: strings.description,
    website: strings.website,
    git: strings.git,
    license: strings.license,
    maintainer: readPerson(meta.maintainer, label('maintainer'), at('maintainer')),
    author: readPerson(meta.author, label('author'), at('author')),
    ...lists,
    scope: scope as PackageSpec['scope'],
    man: readMan(meta.man, at('man')),
    dependencies,
    extra: collectExtra(meta, result),
  })
}

function isStringList(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false
  for (const item of value) if (typeof item !== 'string') return false
  return true
}

function readPerson(value: unknown, label: string, fail: Fail): Person | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') return { name: value }
  const record = asRecord(value)
  if (!record) fail(`${label} must be a table {name, email, website}, not ${describeJson(value)}`)
  const name = readString(record.name, `${label}.name`, fail)
  if (name === undefined) fail(`${label} has no 'name'`)
  return dropUndefined({
    name,
    email: readString(record.email, `${label}.email`, fail),
    website: readString(record.website, `${label}.website`, fail),
  })
}

function readMan(value: unknown, fail: Fail): PackageSpec['man'] {
  if (value === undefined || typeof value === 'string') return value
  if (Array.isArray(value)) return readStringList(value, "metadata 'man'", fail)
  return readStringMap(value, "metadata 'man'", fail)
}

function collectExtra(meta: JsonRecord, result: EvaluationResult): Record<string, unknown> {
  const extra: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(meta)) if (!MODELLED.has(key)) extra[key] = value
  for (const key of ['hooks', 'service', 'updates'] as const) {
    const value = result[key]
    const empty = Array.isArray(value) ? value.length === 0 : Object.keys(asRecord(value) ?? {}).length === 0
    if (!empty && !(key in extra)) extra[key] = value
  }
  return extra
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key]
  return value
}
