/** `zoi mirror` and `zoi serve`: self-contained registry + archive mirrors (seed 001). */
import { DEFAULT_SERVE_PORT } from '../../config/schema.ts'
import { ZoiError } from '../../errors.ts'
import type { MirrorResult } from '../../ops/mirror.ts'
import { flagBool, flagList, flagString, needArgs, type CommandSpec } from '../command-spec.ts'

export const mirror: CommandSpec = {
  usage: 'mirror <dir> [...target]',
  description: 'Create or update a mirror directory: registry.git, archives with sidecars, a manifest',
  options: [
    { flag: '--registry <handle>', description: 'Which registry (handle or URL; default: the default registry)' },
    { flag: '--platform <platform>', description: 'Platforms to mirror (repeatable)', repeatable: true },
    { flag: '--packages <pkg>', description: 'Only these packages (repeatable)', repeatable: true },
    { flag: '--all', description: 'Every package of the registry' },
    { flag: '--base-url <url>', description: "Rewrite repo.yaml's pkg: links to this URL" },
    { flag: '--build', description: 'Build archives that cannot be found' },
    { flag: '--with-sources', description: "Also write the cached sources of the mirrored packages under sources/ (a hashed source mirror; fill the cache with 'zoi source fetch')" },
  ],
  examples: [
    'zoi mirror ./mirror --all --base-url http://mirror.lan:8080',
    'zoi mirror push ./mirror oci://registry.lan:5000/zoi',
    'zoi mirror ./mirror --packages hello --platform linux-amd64 --platform linux-arm64 --pkg-dir ./built',
  ],
  async run(ctx, args, flags) {
    const { mirrorRegistry, pushMirror } = await import('../../ops/mirror.ts')
    if (args[0] === 'push') {
      const [dir, target] = needArgs('mirror push <dir> oci://host/namespace', args.slice(1), 2)
      const pushed = await pushMirror(ctx, dir!, target!)
      return { text: `pushed ${pushed.pushed.length} archive(s) to ${pushed.target}, ${pushed.unchanged.length} already there`, json: pushed }
    }
    const [dir] = needArgs('mirror <dir>', args)
    const result = await mirrorRegistry(ctx, {
      dir: dir!,
      registry: flagString(flags, 'registry'),
      platforms: flagList(flags, 'platform'),
      packages: flagList(flags, 'packages'),
      all: flagBool(flags, 'all'),
      baseUrl: flagString(flags, 'baseUrl'),
      build: flagBool(flags, 'build'),
      withSources: flagBool(flags, 'withSources'),
    })
    // A missing archive is normal (not every package has every platform); a bad one is not.
    const bad = result.archives.missing.find((m) => ['INTEGRITY', 'UNSAFE_PATH', 'BAD_DEFINITION'].includes(m.code))
    return { text: describeMirror(result), json: result, exitCode: bad ? 6 : 0 }
  },
}

function describeMirror(r: MirrorResult): string {
  const reg = r.registry
  const a = r.archives
  const out = [
    `registry.git: ${reg.handle} ${reg.branch.replace(/^refs\/heads\//, '')} at ${reg.head.slice(0, 12)}${reg.changed ? '' : ' (unchanged)'}` +
      (reg.baseUrl ? `, served from ${reg.baseUrl}` : ''),
    `archives: ${a.copied.length} copied, ${a.unchanged.length} unchanged${a.built.length ? `, ${a.built.length} built` : ''}, ${a.missing.length} missing`,
    ...a.missing.map((m) => `  missing ${m.file}: ${m.reason}`),
    `manifest: ${r.manifest.files} files (${r.manifest.hashed} hashed)`,
    ...(r.sources ? [`sources: ${r.sources.files.length} files, ${r.sources.git.length} git repositories${r.sources.uncached.length ? `; nothing cached for ${r.sources.uncached.join(', ')}` : ''}`] : []),
  ]
  if (reg.baseUrl) out.push(`clients: zoi sync set ${reg.baseUrl.replace(/\/+$/, '')}/registry.git`)
  return out.join('\n')
}

export const serve: CommandSpec = {
  usage: 'serve <dir>',
  description: 'Serve a mirror directory over HTTP (git smart-HTTP + static files) until stopped',
  options: [
    { flag: '--host <host>', description: 'Address to bind (default 127.0.0.1; 0.0.0.0 for a LAN)' },
    { flag: '--port <port>', description: `Port (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)` },
  ],
  examples: ['zoi serve ./mirror', 'zoi serve ./mirror --host 0.0.0.0 --port 8080'],
  async run(ctx, args, flags) {
    const { startServe, untilStopSignal } = await import('../../ops/serve.ts')
    const [dir] = needArgs('serve <dir>', args)
    const server = await startServe(ctx, { dir: dir!, host: flagString(flags, 'host'), port: parsePort(flagString(flags, 'port')) })
    // Runs until SIGINT/SIGTERM; in-flight requests are cut and the command exits 0.
    const signal = await untilStopSignal()
    await server.stop()
    return { json: { url: server.url, stopped: signal } }
  },
}

function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  if (!/^\d+$/.test(raw)) throw new ZoiError('USAGE', `--port '${raw}' is not a port number`, { hint: 'use a number from 0 to 65535 (0 picks a free port)' })
  return Number(raw)
}
