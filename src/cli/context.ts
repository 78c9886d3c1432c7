/** Builds the Context of one run from the global flags: layout, config, network edge, reporter. */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { loadConfig } from '../config/index.ts'
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { withDiscoveredRegistries } from '../ops/registries.ts'
import { layoutFor, type Scope } from '../platform/layout.ts'
import { createNet } from '../platform/net.ts'
import type { Report } from '../progress.ts'

export interface GlobalFlags {
  offline: boolean
  root?: string
  pkgDirs: string[]
  yes: boolean
  json: boolean
  verbose: boolean
  quiet: boolean
  scope?: string
}

export async function createContext(flags: GlobalFlags, report: Report): Promise<Context> {
  const root = flags.root === undefined ? null : await checkRoot(flags.root)
  const scope = parseScope(flags.scope)
  if (root !== null && scope === 'user') {
    throw new ZoiError('USAGE', '--root always installs in system scope; --scope user cannot be combined with it')
  }
  const layout = layoutFor({ root, scope })
  const config = withDiscoveredRegistries(await loadConfig(layout.configFiles), layout)
  const offline = flags.offline || config.offline_mode
  const net = createNet({
    offline,
    timeoutMs: idleTimeoutMs(process.env.ZOI_NET_IDLE_TIMEOUT_MS),
    // Hosts the user chose may be link-local; hosts a registry chose may not.
    trustedUrls: [config.default_registry.url, ...config.added_registries.map((r) => r.url), ...config.cache_mirrors],
    onRetry: ({ url, attempt, error }) => report({ kind: 'warn', text: `retrying ${url} (attempt ${attempt + 1}): ${error}` }),
    onHostDown: ({ host, error }) => report({ kind: 'warn', text: `${host} is unreachable (${error}); not contacting it again in this run` }),
  })
  const pkgDirs = [...new Set([...flags.pkgDirs.map((d) => resolve(d)), ...config.pkg_dirs])]
  return { layout, config, offline, net, pkgDirs, yes: flags.yes, report }
}

/** `ZOI_NET_IDLE_TIMEOUT_MS`: how long a request may go without progress (default 30 s). */
function idleTimeoutMs(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined
  const ms = Number(raw)
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new ZoiError('USAGE', `ZOI_NET_IDLE_TIMEOUT_MS='${raw}' is not a positive number of milliseconds`)
  return ms
}

function parseScope(s: string | undefined): Scope | undefined {
  if (s === undefined) return undefined
  if (s === 'user' || s === 'system') return s
  throw new ZoiError('USAGE', `unknown scope '${s}'; expected 'user' or 'system'`, { hint: 'use --scope user or --scope system' })
}

/** `--root` must name an existing directory; a relative path is taken from the current directory. */
async function checkRoot(raw: string): Promise<string> {
  if (raw === '') throw new ZoiError('USAGE', '--root needs a directory')
  const abs = resolve(raw)
  const st = await stat(abs).catch(() => undefined)
  if (!st) throw new ZoiError('USAGE', `--root '${raw}' does not exist`, { hint: `create it first: mkdir -p '${abs}'` })
  if (!st.isDirectory()) throw new ZoiError('USAGE', `--root '${raw}' is not a directory`)
  return abs
}
