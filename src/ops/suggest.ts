/**
 * "Package not found" with the closest names that do exist (exit 3), as Homebrew does:
 * from the synced index for install/show, from the installed db for uninstall/files/why.
 */
import { ZoiError } from '../errors.ts'
import type { RegistrySet } from '../registry/index.ts'
import { didYouMean } from '../resolve/similar-names.ts'

/** Every package name the synced registries know. */
export function indexNames(set: RegistrySet): string[] {
  return set.registries.flatMap((r) => r.index.allPackages().map((p) => p.name))
}

/** NOT_FOUND for `name`, naming where it was looked for and what was probably meant. */
export function unknownPackage(name: string, where: string, known: Iterable<string>, otherwise: string): ZoiError {
  const near = didYouMean(name, known)
  return new ZoiError('NOT_FOUND', `package '${name}' ${where}`, { hint: near ?? otherwise, data: { package: name } })
}
