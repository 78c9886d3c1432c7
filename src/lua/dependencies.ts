/**
 * The dependency block of a definition, in every shape real Zoi accepts (reference §6.4):
 * a plain list, a group {required, optional, options, sub_packages}, and for either side
 * per-build-type groups {types = {source = <group>, ...}}. Dependency strings stay raw
 * ("zoi:openssl@^3:why"); src/resolve parses them.
 */
import { asRecord, readBoolean, readString, readStringList, type Fail } from './value-checks.ts'

/** A choice offered to the user: pick among `depends` (all of them when `all`). */
export interface DependencyOption {
  name: string
  desc?: string
  all: boolean
  depends: string[]
}

export interface DependencyGroup {
  required: string[]
  optional: string[]
  options: DependencyOption[]
  /** Extra dependencies of one sub-package (split packages), by sub-package name. */
  subPackages: Record<string, DependencyGroup>
  /** Groups that apply only to one build type ("source", "pre-compiled", …). */
  types: Record<string, DependencyGroup>
}

export interface RawDependencies {
  runtime: DependencyGroup
  build: DependencyGroup
}

export function emptyDependencyGroup(): DependencyGroup {
  return { required: [], optional: [], options: [], subPackages: {}, types: {} }
}

/** Reads what dependencies() received; unknown keys are ignored, as Zoi does. */
export function readDependencies(value: unknown, fail: Fail): RawDependencies {
  if (value === undefined) return { runtime: emptyDependencyGroup(), build: emptyDependencyGroup() }
  const record = asRecord(value)
  if (!record) fail("dependencies() must be given a table with 'runtime' and/or 'build'")
  return {
    runtime: readGroup(record.runtime, 'runtime', fail, true),
    build: readGroup(record.build, 'build', fail, true),
  }
}

function readGroup(value: unknown, path: string, fail: Fail, allowTypes: boolean): DependencyGroup {
  const group = emptyDependencyGroup()
  if (value === undefined) return group
  if (Array.isArray(value) && value.length > 0) {
    group.required = readDependencyList(value, path, fail)
    return group
  }
  const record = asRecord(value)
  if (!record) fail(`dependencies '${path}' must be a list of dependency strings or a group table`)
  group.required = readDependencyList(record.required, `${path}.required`, fail)
  group.optional = readDependencyList(record.optional, `${path}.optional`, fail)
  group.options = readOptions(record.options, `${path}.options`, fail)
  group.subPackages = readGroupMap(record.sub_packages, `${path}.sub_packages`, fail)
  if (allowTypes) group.types = readGroupMap(record.types, `${path}.types`, fail)
  return group
}

function readGroupMap(value: unknown, path: string, fail: Fail): Record<string, DependencyGroup> {
  if (value === undefined) return {}
  const record = asRecord(value)
  if (!record) fail(`dependencies '${path}' must be a table of groups by name`)
  const groups: Record<string, DependencyGroup> = {}
  for (const [name, group] of Object.entries(record)) {
    groups[name] = readGroup(group, `${path}.${name}`, fail, false)
  }
  return groups
}

function readOptions(value: unknown, path: string, fail: Fail): DependencyOption[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) fail(`dependencies '${path}' must be a list of option tables`)
  return value.map((item, index) => {
    const at = `${path}[${index + 1}]`
    const option = asRecord(item)
    if (!option) fail(`dependencies '${at}' must be a table {name, desc, all, depends}`)
    const name = readString(option.name, `dependencies '${at}.name'`, fail)
    if (!name) fail(`dependencies '${at}' has no 'name'`)
    const desc = readString(option.desc, `dependencies '${at}.desc'`, fail)
    return {
      name,
      ...(desc === undefined ? {} : { desc }),
      all: readBoolean(option.all, `dependencies '${at}.all'`, fail) ?? false,
      depends: readDependencyList(option.depends, `${at}.depends`, fail),
    }
  })
}

function readDependencyList(value: unknown, path: string, fail: Fail): string[] {
  const list = readStringList(value, `dependencies '${path}'`, fail)
  if (list.some((item) => item.trim() === '')) fail(`dependencies '${path}' contains an empty string`)
  return list
}
