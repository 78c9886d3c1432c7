/**
 * Install throughput: 20 generated packages (~300 MB unpacked, mixed file sizes) into a fresh
 * root, three ways on the SAME payload: `zoi install … --root --pkg-dir --offline` (registry
 * synced beforehand), `pacman -U --root` of the same files packaged for pacman, and the raw
 * pipeline `zstd -dc | tar -x` of the zoi archives one after another. Prints both ratios.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeArchive } from '../src/archive/index.ts'
import { ZOI, median, printTable } from './lib.ts'

const PACKAGES = 20
const KB = 1024

/** Per package: 2 files of 4 MB, 40 of 64 KB, 300 of 4 KB, 400 of 256 B (~15 MB); 60% compressible. */
function payloadFiles(i: number): [string, Uint8Array][] {
  const text = Buffer.from(`package ${i} line of text that compresses well; `.repeat(100_000))
  const make = (size: number, n: number) => (n % 5 < 3 ? text.subarray(0, size) : randomBytes(size))
  const out: [string, Uint8Array][] = []
  for (let n = 0; n < 2; n++) out.push([`big/b${n}.bin`, make(4096 * KB, n)])
  for (let n = 0; n < 40; n++) out.push([`mid/m${n}.bin`, make(64 * KB, n)])
  for (let n = 0; n < 300; n++) out.push([`small/d${n % 10}/s${n}.txt`, make(4 * KB, n)])
  for (let n = 0; n < 400; n++) out.push([`tiny/d${n % 20}/t${n}.txt`, make(256, n)])
  return out
}

async function makeArchives(work: string): Promise<{ registry: string; zoiDir: string; pacmanDir: string; bytes: number }> {
  const registry = join(work, 'registry')
  const zoiDir = join(work, 'zoi-pkgs')
  const pacmanDir = join(work, 'pacman-pkgs')
  mkdirSync(zoiDir, { recursive: true })
  mkdirSync(pacmanDir, { recursive: true })
  mkdirSync(registry, { recursive: true })
  writeFileSync(join(registry, 'repo.yaml'), 'name: bench\n')
  let bytes = 0
  for (let i = 0; i < PACKAGES; i++) {
    const name = `p${i}`
    const def = `metadata({ name = "${name}", version = "1.0.0", description = "bench ${i}" })\n`
    mkdirSync(join(registry, 'core', name), { recursive: true })
    writeFileSync(join(registry, 'core', name, `${name}.pkg.lua`), def)
    const zt = join(work, 'stage-zoi', name)
    const pt = join(work, 'stage-pacman', name)
    for (const [rel, data] of payloadFiles(i)) {
      for (const [root, prefix] of [[zt, `data/pkgstore/${rel}`], [pt, `usr/lib/${name}/${rel}`]] as const) {
        mkdirSync(join(root, prefix, '..'), { recursive: true })
        writeFileSync(join(root, prefix), data)
      }
      bytes += data.length
    }
    writeFileSync(join(zt, `${name}.pkg.lua`), def)
    await writeArchive(join(zoiDir, `${name}-1.0.0-linux-amd64.pkg.tar.zst`), zt)
    writeFileSync(join(pt, '.PKGINFO'), `pkgname = ${name}\npkgbase = ${name}\npkgver = 1.0.0-1\npkgdesc = bench\nbuilddate = 0\npackager = bench\nsize = 0\narch = x86_64\n`)
    const p = Bun.spawnSync(['sh', '-c', `cd '${pt}' && tar -cf - .PKGINFO usr | zstd -q -3 -o '${join(pacmanDir, `${name}-1.0.0-1-x86_64.pkg.tar.zst`)}'`])
    if (p.exitCode !== 0) throw new Error(`packaging ${name} for pacman failed: ${p.stderr}`)
  }
  return { registry, zoiDir, pacmanDir, bytes }
}

type Runner = { name: string; cmd: (root: string) => string[] | string; env?: Record<string, string> }

/**
 * Runs every runner 3 times, INTERLEAVED (a, b, c, a, b, c, …) into fresh roots, so a burst of
 * load on this shared 2-core machine hits all of them alike; returns each one's median (ms).
 */
async function timeInterleaved(runners: Runner[], work: string): Promise<number[]> {
  const times: number[][] = runners.map(() => [])
  for (let round = 0; round < 3; round++) {
    for (const [k, r] of runners.entries()) {
      const root = join(work, `root-${round}-${k}`)
      mkdirSync(join(root, 'var/lib/pacman'), { recursive: true })
      const cmd = r.cmd(root)
      const t0 = performance.now()
      const p = Bun.spawn(typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd, { stdout: 'ignore', stderr: 'pipe', env: { ...process.env, ...r.env } })
      if ((await p.exited) !== 0) throw new Error(`${r.name} failed: ${await new Response(p.stderr).text()}`)
      times[k]!.push(performance.now() - t0)
      rmSync(root, { recursive: true, force: true })
    }
  }
  return times.map(median)
}

export async function benchInstall(): Promise<void> {
  if (!Bun.which('zstd') || !Bun.which('pacman')) {
    console.log('\ninstall: SKIPPED (needs the zstd CLI and pacman: apt-get install zstd pacman-package-manager)')
    return
  }
  const work = mkdtempSync(join(tmpdir(), 'zoi-bench-install-'))
  try {
    const { registry, zoiDir, pacmanDir, bytes } = await makeArchives(work)
    const home = join(work, 'home')
    const env = { HOME: home }
    for (const args of [['sync', 'set', registry], ['sync', '-q']]) {
      if (Bun.spawnSync([ZOI, ...args], { env: { ...process.env, ...env } }).exitCode !== 0) throw new Error(`zoi ${args.join(' ')} failed`)
    }
    const names = Array.from({ length: PACKAGES }, (_, i) => `p${i}`)
    const conf = join(work, 'pacman.conf')
    writeFileSync(conf, '[options]\nArchitecture = auto\nSigLevel = Never\nLocalFileSigLevel = Never\n')
    mkdirSync(join(work, 'hooks'), { recursive: true })
    const pkgs = names.map((n) => join(pacmanDir, `${n}-1.0.0-1-x86_64.pkg.tar.zst`))
    const [zoi, pacman, raw] = await timeInterleaved(
      [
        { name: 'zoi', cmd: (root) => [ZOI, 'install', ...names, '--root', root, '--pkg-dir', zoiDir, '--offline', '-q'], env },
        {
          name: 'pacman',
          cmd: (root) => ['pacman', '-U', '--root', root, '--dbpath', join(root, 'var/lib/pacman'), '--config', conf, '--cachedir', join(work, 'pcache'), '--hookdir', join(work, 'hooks'), '--noconfirm', '--noscriptlet', '--nodeps', '--noprogressbar', ...pkgs],
        },
        { name: 'raw', cmd: (root) => names.map((n) => `zstd -dc '${join(zoiDir, `${n}-1.0.0-linux-amd64.pkg.tar.zst`)}' | tar -xf - -C '${root}'`).join(' && ') },
      ],
      work,
    ) as [number, number, number]
    printTable(`install: ${PACKAGES} packages, ${(bytes / 1048576).toFixed(0)} MB unpacked, fresh root each run (median of 3)`, [
      { name: 'zoi install --root --pkg-dir --offline', value: `${zoi.toFixed(0)} ms` },
      { name: 'pacman -U --root (same payload)', value: `${pacman.toFixed(0)} ms` },
      { name: 'zstd -dc | tar -x, one after another', value: `${raw.toFixed(0)} ms` },
      { name: '  zoi / pacman (target <= 1.0x)', value: `${(zoi / pacman).toFixed(2)}x` },
      { name: '  zoi / raw pipeline (target <= 1.5x)', value: `${(zoi / raw).toFixed(2)}x` },
    ])
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
