/**
 * Air-gap bundles: `zoi bundle create` and `zoi bundle verify --quick` against what people do by
 * hand with standard tools on the same files — copy archives and the registry into a folder and
 * `sha512sum` them; `sha512sum -c` on the far side. Both sides hash every byte once; zoi also
 * resolves, packs the registry and writes sidecars. Bytes: the bundle against the files it holds.
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ZOI, compare, step, type Row } from './lib.ts'

const PACKAGES = Number(process.env.BENCH_BUNDLE_PACKAGES ?? 20)
const MB_EACH = Number(process.env.BENCH_BUNDLE_MB ?? 8)

export async function benchBundle(work: string): Promise<Row[]> {
  step(`bundle: ${PACKAGES} packages of ${MB_EACH} MB`)
  const root = join(work, 'bundle')
  const home = join(root, 'home')
  const registry = join(root, 'registry')
  const archives = join(root, 'archives')
  mkdirSync(home, { recursive: true })
  mkdirSync(archives, { recursive: true })
  mkdirSync(join(registry, 'core'), { recursive: true })
  writeFileSync(join(registry, 'repo.yaml'), 'name: bench\nrepos:\n  - {name: core, active: true}\n')
  const env = { HOME: home }
  const names: string[] = []
  for (let i = 0; i < PACKAGES; i++) {
    const name = `pkg${i}`
    names.push(name)
    // The payload lives beside a copy of the definition, not in the registry: registries hold
    // definitions, archives hold payloads.
    const dir = join(root, 'defs', name)
    mkdirSync(join(dir, 'payload'), { recursive: true })
    mkdirSync(join(registry, 'core', name), { recursive: true })
    // Incompressible-ish payload from the machine's own binaries, so zstd has real work.
    writeFileSync(join(dir, 'payload', 'blob.bin'), Buffer.concat(Array.from({ length: MB_EACH }, (_, k) => randomish(1 << 20, i * 1000 + k))))
    const dep = i > 0 ? `dependencies({ runtime = { "zoi:pkg${i - 1}" } })\n` : ''
    const definition = `metadata({ name = "${name}", repo = "core", version = "1.0.0", description = "bench", bins = {}, types = {"pre-compiled"}, platforms = {"all"} })\n${dep}function package()\n  zcp("\${pkgluadir}/payload/blob.bin", "\${pkgstore}/blob.bin")\nend\n`
    writeFileSync(join(dir, `${name}.pkg.lua`), definition)
    writeFileSync(join(registry, 'core', name, `${name}.pkg.lua`), definition)
    const built = Bun.spawnSync([ZOI, 'package', 'build', join(dir, `${name}.pkg.lua`), '-o', archives, '-q'], { env: { ...process.env, ...env } })
    if (built.exitCode !== 0) throw new Error(`package build ${name}: ${built.stderr}`)
  }
  for (const cmd of [['sync', 'set', registry], ['sync', '-q']]) {
    const r = Bun.spawnSync([ZOI, ...cmd], { env: { ...process.env, ...env } })
    if (r.exitCode !== 0) throw new Error(`zoi ${cmd.join(' ')}: ${r.stderr}`)
  }
  const out = join(root, 'out')
  const manual = join(root, 'manual')
  const top = names[names.length - 1]!
  const create = await compare(
    `\`zoi bundle create\` (${PACKAGES} archives, ${PACKAGES * MB_EACH} MB) vs cp + sha512sum of the same files`, '', undefined,
    { cmd: [ZOI, 'bundle', 'create', top, '-o', out, '--pkg-dir', archives, '-q'], env, before: () => rmSync(out, { recursive: true, force: true }) },
    { cmd: `mkdir -p ${manual} && cp -r ${archives} ${join(home, '.zoi/pkgs/db')} ${ZOI} ${manual}/ && cd ${manual} && find . -type f ! -name SHA512SUMS -print0 | xargs -0 sha512sum > SHA512SUMS`, before: () => rmSync(manual, { recursive: true, force: true }) },
    3,
  )
  const verify = await compare(
    '`zoi bundle verify --quick` vs `sha512sum -c` of the same files', '', undefined,
    { cmd: [ZOI, 'bundle', 'verify', out, '--quick', '--offline', '-q'], env },
    { cmd: `cd ${manual} && sha512sum -c --quiet SHA512SUMS` },
    3,
  )
  create.note = `bundle ${mb(sizeOf(out))} vs the files ${mb(sizeOf(manual))}`
  return [create, verify]
}

function randomish(bytes: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(bytes)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < bytes; i += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out.writeUInt32LE(x >>> 0, i)
  }
  return out
}

function sizeOf(path: string): number {
  const st = statSync(path)
  if (!st.isDirectory()) return st.size
  return readdirSync(path).reduce((n, e) => n + sizeOf(join(path, e)), 0)
}

const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`
