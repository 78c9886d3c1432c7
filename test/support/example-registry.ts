/**
 * The bundled examples/registry as a folder registry in a temp dir, optionally with `pkg:`
 * download links to a static server holding pre-built archives (hello, libgreet) and sidecars.
 */
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { makeTempDir, runZoi } from './run-cli.ts'
import { startStaticServer, type StaticServer } from './static-server.ts'

export const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')

export interface ExampleRegistry {
  dir: string
  server?: StaticServer
}

/** Builds hello and libgreet archives (with .hash/.size/.files) into `out`. */
export async function buildExampleArchives(out: string): Promise<void> {
  for (const name of ['hello', 'libgreet']) {
    const r = await runZoi(['package', 'build', join(EXAMPLES, 'core', name, `${name}.pkg.lua`), '-o', out, '-q'], { home: makeTempDir() })
    if (r.exitCode !== 0) throw new Error(`building ${name} failed: ${r.stderr}`)
  }
}

/** A copy of the examples whose archives are downloaded from a server on 127.0.0.1. */
export async function servedExampleRegistry(): Promise<ExampleRegistry & { server: StaticServer }> {
  const dir = makeTempDir('zoi-example-registry-')
  cpSync(EXAMPLES, dir, { recursive: true })
  const archives = makeTempDir('zoi-example-archives-')
  const server = await startStaticServer(archives)
  const built = makeTempDir('zoi-example-built-')
  await buildExampleArchives(built)
  for (const [name, version] of [['hello', '1.0.0'], ['libgreet', '1.2.0']]) {
    const target = join(archives, 'core', version!)
    mkdirSync(target, { recursive: true })
    for (const suffix of ['', '.hash', '.size', '.files']) {
      const file = `${name}-${version}-linux-amd64.pkg.tar.zst${suffix}`
      copyFileSync(join(built, file), join(target, file))
    }
  }
  const yaml = readFileSync(join(dir, 'repo.yaml'), 'utf8')
  writeFileSync(join(dir, 'repo.yaml'), `${yaml}pkg:\n  - type: main\n    url: ${server.url}/{repo}/{version}\n    hash: ${server.url}/{repo}/{version}/{name}-{version}-{platform}.pkg.tar.zst.hash\n`)
  return { dir, server }
}
