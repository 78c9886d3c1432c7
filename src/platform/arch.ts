/** The platform zoi runs on, in Zoi's vocabulary (`linux-amd64`, `macos-arm64`, …). */
import { ZoiError } from '../errors.ts'

export type Os = 'linux' | 'macos' | 'windows' | 'freebsd'
export type Arch = 'amd64' | 'arm64'

export interface Platform {
  os: Os
  arch: Arch
}

const OS: Partial<Record<NodeJS.Platform, Os>> = { linux: 'linux', darwin: 'macos', win32: 'windows', freebsd: 'freebsd' }
const ARCH: Partial<Record<string, Arch>> = { x64: 'amd64', arm64: 'arm64' }

export function hostPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch): Platform {
  const os = OS[platform]
  const a = ARCH[arch]
  if (!os || !a) throw new ZoiError('REFUSED', `unsupported platform ${platform}-${arch}`)
  return { os, arch: a }
}

export function platformString(p: Platform): string {
  return `${p.os}-${p.arch}`
}

/** `linux-amd64` → Platform; also accepts `darwin` for macos and `x86_64`/`aarch64`. */
export function parsePlatform(s: string): Platform {
  const m = /^([a-z]+)-([a-z0-9_]+)$/.exec(s.trim().toLowerCase())
  const os = m?.[1] === 'darwin' ? 'macos' : m?.[1]
  const arch = ({ x86_64: 'amd64', x64: 'amd64', aarch64: 'arm64' } as Record<string, string>)[m?.[2] ?? ''] ?? m?.[2]
  if (!m || !['linux', 'macos', 'windows', 'freebsd'].includes(os!) || !['amd64', 'arm64'].includes(arch!)) {
    throw new ZoiError('USAGE', `unknown platform '${s}'; expected <os>-<arch> like linux-amd64 (os: linux macos windows freebsd; arch: amd64 arm64)`)
  }
  return { os: os as Os, arch: arch as Arch }
}

/**
 * Whether a definition's `platforms` list admits a platform: empty or `all` admits everything,
 * otherwise an entry may be an OS (`linux`) or a full platform (`linux-amd64`).
 */
export function platformAllowed(platforms: readonly string[], p: Platform): boolean {
  if (platforms.length === 0) return true
  return platforms.some((entry) => {
    const e = entry.toLowerCase().replace(/^darwin/, 'macos')
    return e === 'all' || e === p.os || e === platformString(p)
  })
}
