/** Configuration: load and merge config.yaml files, edit the writable one. */
import { readConfigFile } from './config-file.ts'
import { mergeConfigs, type Config } from './schema.ts'

export { updateConfigFile, readConfigFile } from './config-file.ts'
export { REGISTRY_KEYWORDS, OFFICIAL_REGISTRY_URL, defaultConfig, mergeConfigs, withoutCredentials } from './schema.ts'
export type { Config, Policy, RegistryRef, SignatureEnforcement } from './schema.ts'

/** Read every file in order (missing files are empty) and merge them. */
export async function loadConfig(files: readonly string[]): Promise<Config> {
  const parts = []
  for (const f of files) parts.push(await readConfigFile(f))
  return mergeConfigs(parts)
}
