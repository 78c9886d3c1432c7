/**
 * Reading and writing one config.yaml. Validation errors name the file, line and key
 * (exit 2). Writing goes through the parsed document so keys zoi does not know, and the
 * user's comments, survive.
 */
import { readFileSync } from 'node:fs'
import { chmod, mkdir, rename, stat, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Document, LineCounter, Node } from 'yaml'
import { ZoiError, describeError, errnoCode } from '../errors.ts'
import { parsePlainYaml } from './plain-yaml.ts'
import { FIELD_KINDS, type Config, type ConfigKey, type Policy, type RegistryRef } from './schema.ts'

interface Loaded {
  doc: Document
  lines: LineCounter
}

/** Read synchronously: a config is small, and every command reads it before anything else runs. */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined
    throw new ZoiError('PERMISSION', `cannot read config file ${file}: ${errnoCode(e) ?? e}`)
  }
}

async function loadDocument(file: string): Promise<Loaded | undefined> {
  const text = readText(file)
  return text === undefined ? undefined : parseWithLines(file, text)
}

async function parseWithLines(file: string, text: string): Promise<Loaded> {
  const { LineCounter, isMap, parseDocument } = await import('yaml') // loaded on first use, not at start-up
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const err = doc.errors[0]
  if (err) {
    const line = err.linePos?.[0]?.line ?? lines.linePos(err.pos[0]).line
    throw new ZoiError('USAGE', `${file}:${line}: invalid YAML: ${err.message.split('\n')[0]}`)
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new ZoiError('USAGE', `${file}:1: config must be a mapping of keys to values`)
  }
  return { doc, lines }
}

/** Read and validate one config file; a missing file is an empty config. */
export async function readConfigFile(file: string): Promise<Partial<Config>> {
  const text = readText(file)
  if (text === undefined) return {}
  return quickRead(text) ?? validateDocument(file, await parseWithLines(file, text))
}

/**
 * Every command reads the config, so it is read with Bun's native YAML parser first
 * (config/plain-yaml.ts). The yaml library (which knows lines, keeps comments and limits
 * aliases) reads any file this does not accept whole: what parsePlainYaml declines, or a key of
 * the wrong kind, so every error still names its line.
 */
function quickRead(text: string): Partial<Config> | undefined {
  const plain = parsePlainYaml(text)
  if (!plain) return undefined
  try {
    const raw = plain.value ?? {}
    if (typeof raw !== 'object' || Array.isArray(raw)) return undefined
    return validateRaw(raw as Record<string, unknown>, () => {
      throw new Error('located by the yaml library')
    })
  } catch {
    return undefined
  }
}

function validateDocument(file: string, { doc, lines }: Loaded): Partial<Config> {
  let raw: Record<string, unknown>
  try {
    // maxAliasCount: an alias bomb (aliases of aliases) is refused instead of expanded.
    raw = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as Record<string, unknown>
  } catch (e) {
    throw new ZoiError('USAGE', `${file}: invalid YAML: ${describeError(e)}`, { hint: `fix ${file}` })
  }
  return validateRaw(raw, (key, what) => {
    const node = doc.get(key, true) as Node | undefined
    const line = node?.range ? lines.linePos(node.range[0]).line : 1
    throw new ZoiError('USAGE', `${file}:${line}: key '${key}' ${what}`, { hint: `fix or remove '${key}' in ${file}` })
  })
}

function validateRaw(raw: Record<string, unknown>, failAt: (key: ConfigKey, what: string) => never): Partial<Config> {
  const out: Partial<Config> = {}
  for (const key of Object.keys(FIELD_KINDS) as ConfigKey[]) {
    if (!(key in raw) || raw[key] === null) continue
    ;(out as Record<string, unknown>)[key] = coerce(FIELD_KINDS[key], raw[key], (what) => failAt(key, what))
  }
  return out
}

function coerce(kind: (typeof FIELD_KINDS)[ConfigKey], value: unknown, fail: (what: string) => never): unknown {
  switch (kind) {
    case 'bool':
      return typeof value === 'boolean' ? value : fail('must be true or false')
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : fail('must be a list of strings')
    case 'registry':
      return toRegistry(value) ?? fail('must be a mapping with a string url (and optional handle)')
    case 'registries': {
      if (!Array.isArray(value)) return fail('must be a list of {handle, url} mappings')
      return value.map((v) => toRegistry(v) ?? fail('must be a list of {handle, url} mappings'))
    }
    case 'policy':
      return toPolicy(value) ?? fail('must be a mapping like {signature_enforcement: {enable: true, trusted_keys: [name | fingerprint]}}')
  }
}

function toPolicy(value: unknown): Policy | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const se = (value as Record<string, unknown>).signature_enforcement
  if (se === undefined || se === null) return {}
  if (typeof se !== 'object') return undefined
  const { enable, trusted_keys } = se as Record<string, unknown>
  if (enable !== undefined && typeof enable !== 'boolean') return undefined
  if (trusted_keys !== undefined && trusted_keys !== null && !isStrings(trusted_keys)) return undefined
  return { signature_enforcement: { enable: enable === true, trusted_keys: isStrings(trusted_keys) ? trusted_keys : [] } }
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string')
}

function toRegistry(value: unknown): RegistryRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { handle, url, authorities } = value as Record<string, unknown>
  if (typeof url !== 'string' || url === '') return undefined
  if (handle !== undefined && handle !== null && typeof handle !== 'string') return undefined
  if (authorities !== undefined && authorities !== null && !isStrings(authorities)) return undefined
  const ref: RegistryRef = { handle: typeof handle === 'string' ? handle : '', url }
  // Kept only when present, so configs without anchors round-trip unchanged through `sync set`.
  if (isStrings(authorities)) ref.authorities = authorities
  return ref
}

/**
 * Apply `edit` to the file's known keys and write it back atomically, keeping everything else.
 * `edit` receives the file's own (unmerged) values and returns the keys to set.
 */
export async function updateConfigFile(
  file: string,
  edit: (current: Partial<Config>) => Partial<Config>,
): Promise<void> {
  const loaded = await loadDocument(file)
  const doc = loaded?.doc ?? new (await import('yaml')).Document({})
  if (doc.contents === null) doc.contents = doc.createNode({}) as never
  const changes = edit(loaded ? validateDocument(file, loaded) : {})
  for (const [key, value] of Object.entries(changes)) doc.set(key, doc.createNode(value))
  await mkdir(dirname(file), { recursive: true })
  const text = doc.toString()
  const tmp = `${file}.tmp-${process.pid}`
  // A registry URL may carry a password: such a config is readable by its owner only.
  const mode = /[a-z][a-z0-9+.-]*:\/\/[^@/\s]*@/i.test(text) ? 0o600 : ((await stat(file).catch(() => undefined))?.mode ?? 0o644) & 0o777
  await writeFile(tmp, text, { mode })
  await chmod(tmp, mode)
  await rename(tmp, file)
}
