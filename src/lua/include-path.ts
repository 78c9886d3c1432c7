/**
 * Where INCLUDE(file) may read from: pure string logic, checked before the caller's include
 * callback (the only code that touches the filesystem) is asked for anything.
 */

/**
 * Resolves the argument of INCLUDE(file) to a '/'-separated path relative to the definition's
 * folder, or undefined when it is not inside that folder. Absolute paths, drive letters, NUL
 * bytes and any '..' that climbs out are refused, so a definition can never read (and leak in
 * an error message) a file elsewhere on the machine, such as ~/.ssh/id_rsa.
 */
export function resolveIncludePath(requested: string): string | undefined {
  if (requested.includes('\0')) return undefined
  const slashed = requested.replaceAll('\\', '/')
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) return undefined
  const parts: string[] = []
  for (const part of slashed.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (parts.length === 0) return undefined
      parts.pop()
    } else {
      parts.push(part)
    }
  }
  return parts.length === 0 ? undefined : parts.join('/')
}

/** The included file's path as shown in messages: the definition's folder joined with `relative`. */
export function includedFilePath(definitionFile: string, relative: string): string {
  const slash = definitionFile.lastIndexOf('/')
  return slash === -1 ? relative : `${definitionFile.slice(0, slash)}/${relative}`
}
