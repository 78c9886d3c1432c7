/**
 * Reading and writing one config.yaml. Validation errors name the file, line and key
 * (exit 2). Writing goes through the parsed document so keys zoi does not know, and the
 * user's comments, survive.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Document, LineCounter, Node } from 'yaml'
import { ZoiError, errnoCode } from '../errors.ts'
import { FIELD_KINDS, type Config, type ConfigKey, type RegistryRef } from './schema.ts'

interface Loaded {
  doc: Document
  lines: LineCounter
}

async function loadDocument(file: string): Promise<Loaded | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined
    throw new ZoiError('PERMISSION', `cannot read config file ${file}: ${errnoCode(e) ?? e}`)
  }
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
  const loaded = await loadDocument(file)
  return loaded ? validateDocument(file, loaded) : {}
}

function validateDocument(file: string, { doc, lines }: Loaded): Partial<Config> {
  const raw = (doc.toJS() ?? {}) as Record<string, unknown>
  const out: Partial<Config> = {}
  for (const key of Object.keys(FIELD_KINDS) as ConfigKey[]) {
    if (!(key in raw) || raw[key] === null) continue
    const node = doc.get(key, true) as Node | undefined
    const line = node?.range ? lines.linePos(node.range[0]).line : 1
    const fail = (what: string): never => {
      throw new ZoiError('USAGE', `${file}:${line}: key '${key}' ${what}`, { hint: `fix or remove '${key}' in ${file}` })
    }
    ;(out as Record<string, unknown>)[key] = coerce(FIELD_KINDS[key], raw[key], fail)
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
  }
}

function toRegistry(value: unknown): RegistryRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { handle, url } = value as Record<string, unknown>
  if (typeof url !== 'string' || url === '') return undefined
  if (handle !== undefined && handle !== null && typeof handle !== 'string') return undefined
  return { handle: typeof handle === 'string' ? handle : '', url }
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
  const tmp = `${file}.tmp-${process.pid}`
  await writeFile(tmp, doc.toString())
  await rename(tmp, file)
}
