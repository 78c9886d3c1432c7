/** `zoi mirror` and `zoi serve`: self-contained registry + archive mirrors (seed 001). */
import { notImplemented, type CommandSpec } from '../command-spec.ts'

export const mirror: CommandSpec = {
  usage: 'mirror <dir>',
  description: 'Create or update a mirror directory: registry.git, archives with sidecars, a manifest',
  options: [
    { flag: '--registry <handle>', description: 'Which registry (handle or URL; default: the default registry)' },
    { flag: '--platform <platform>', description: 'Platforms to mirror (repeatable)', repeatable: true },
    { flag: '--packages <pkg>', description: 'Only these packages (repeatable)', repeatable: true },
    { flag: '--all', description: 'Every package of the registry' },
    { flag: '--base-url <url>', description: "Rewrite repo.yaml's pkg: links to this URL" },
    { flag: '--build', description: 'Build archives that cannot be found' },
  ],
  run: notImplemented('mirror'),
}

export const serve: CommandSpec = {
  usage: 'serve <dir>',
  description: 'Serve a mirror directory over HTTP (git smart-HTTP + static files)',
  options: [
    { flag: '--host <host>', description: 'Address to bind (default 127.0.0.1; 0.0.0.0 for a LAN)' },
    { flag: '--port <port>', description: 'Port (default 8080; 0 picks a free one)' },
  ],
  run: notImplemented('serve'),
}
