/**
 * Install throughput on files from this machine: 12 archives (~390 MB, docs, locales, Python,
 * shared libraries) into a fresh `--root`, against `zstd -dc | tar -x` of the same archives one
 * after another and against `pacman -U --root` of the same payload packaged for pacman (when
 * pacman is installed). Then removal: uninstalling a package of many tiny files against
 * installing it (BENCH_TINY files, 20,000 by default; the case is 200,000).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ZOI, compare, runOnce, step, type Row } from './lib.ts'
import { SOURCES, machineFiles, splitBySize, writePackage, writeRegistry } from './payload.ts'

const MB = 1 << 20

export async function benchInstall(work: string): Promise<Row[]> {
  const budget = Number(process.env.BENCH_INSTALL_MB ?? 390) * MB
  step(`install: staging ${budget / MB} MB of machine files into 12 archives`)
  const groups = splitBySize(machineFiles(SOURCES, budget), 12)
  const names = groups.map((_, i) => `pay${i}`)
  const pkgDir = join(work, 'pkgs')
  const archives: string[] = []
  for (const [i, files] of groups.entries()) archives.push(await writePackage(work, pkgDir, names[i]!, files))
  const fileCount = groups.reduce((a, g) => a + g.length, 0)
  const registry = join(work, 'registry')
  writeRegistry(registry, [...names, 'tiny'])
  const home = join(work, 'home')
  const env = { HOME: home }
  await runOnce({ cmd: [ZOI, 'sync', 'set', registry], env })
  await runOnce({ cmd: [ZOI, 'sync', '-q'], env })

  let root = ''
  let k = 0
  const fresh = () => {
    if (root) rmSync(root, { recursive: true, force: true })
    root = join(work, `root${k++}`)
    mkdirSync(join(root, 'var/lib/pacman'), { recursive: true })
  }
  const zoiInstall = {
    get cmd() {
      return [ZOI, 'install', ...names, '--root', root, '--pkg-dir', pkgDir, '--offline', '-q', '-y']
    },
    env,
    before: fresh,
  }
  const raw = { get cmd() { return archives.map((a) => `zstd -dc '${a}' | tar -xf - -C '${root}'`).join(' && ') }, before: fresh }
  const rows: Row[] = []
  const what = `${archives.length} archives, ${(groups.flat().reduce((a, f) => a + f.size, 0) / MB).toFixed(0)} MB / ${fileCount.toLocaleString('en')} files`
  step('install vs zstd | tar')
  rows.push(await compare(`install ${what} into a fresh \`--root\` vs \`zstd -dc | tar -x\``, '≤ 1.3×', 1.3, zoiInstall, raw, 3, 0))

  if (Bun.which('pacman')) {
    step('install vs pacman -U')
    const pacDir = join(work, 'pacman-pkgs')
    mkdirSync(pacDir, { recursive: true })
    const pacPkgs: string[] = []
    for (const name of names) {
      const stage = join(work, 'stage', name)
      writeFileSync(join(stage, '.PKGINFO'), `pkgname = ${name}\npkgbase = ${name}\npkgver = 1.0.0-1\npkgdesc = bench\nbuilddate = 0\npackager = bench\nsize = 0\narch = x86_64\n`)
      const out = join(pacDir, `${name}-1.0.0-1-x86_64.pkg.tar.zst`)
      // The same files at the same depth: pacman's root gets data/pkgstore/… like zoi's store does.
      await runOnce({ cmd: `cd '${stage}' && tar -cf - .PKGINFO data | zstd -q -3 -o '${out}'` })
      pacPkgs.push(out)
    }
    const conf = join(work, 'pacman.conf')
    writeFileSync(conf, '[options]\nArchitecture = auto\nSigLevel = Never\nLocalFileSigLevel = Never\n')
    mkdirSync(join(work, 'hooks'), { recursive: true })
    const pacman = {
      get cmd() {
        return ['pacman', '-U', '--root', root, '--dbpath', join(root, 'var/lib/pacman'), '--config', conf, '--cachedir', join(work, 'pcache'), '--hookdir', join(work, 'hooks'), '--noconfirm', '--noscriptlet', '--nodeps', '--noprogressbar', ...pacPkgs]
      },
      before: fresh,
    }
    rows.push(await compare(`install ${what} vs \`pacman -U --root\` of the same payload`, '≤ 1.0×', 1.0, zoiInstall, pacman, 3, 0))
  } else {
    step('install vs pacman: SKIPPED (apt-get install pacman-package-manager)')
  }
  rmSync(join(work, 'stage'), { recursive: true, force: true })

  const tiny = Number(process.env.BENCH_TINY ?? 20_000)
  step(`uninstall of ${tiny} tiny files vs installing them`)
  const snippets = machineFiles(SOURCES, 64 * MB).filter((f) => f.size < 4096)
  const tinyFiles = Array.from({ length: tiny }, (_, i) => snippets[i % snippets.length]!)
  await writePackage(work, pkgDir, 'tiny', tinyFiles, (_, i) => `d${i % 200}/f${i}`)
  const tinyRoot = join(work, 'tiny-root')
  mkdirSync(tinyRoot, { recursive: true })
  let installed = false
  const install = { cmd: [ZOI, 'install', 'tiny', '--root', tinyRoot, '--pkg-dir', pkgDir, '--offline', '-q', '-y'], env }
  const uninstall = { cmd: [ZOI, 'uninstall', 'tiny', '--root', tinyRoot, '-q', '-y'], env }
  rows.push(
    await compare(
      `uninstall of a package of ${tiny.toLocaleString('en')} tiny files vs installing it`,
      '≤ 1.0×',
      1.0,
      { ...uninstall, before: async () => void (installed || (await runOnce(install)), (installed = false)) },
      { ...install, before: () => void (installed = true) },
      3,
      0,
    ),
  )
  rmSync(root, { recursive: true, force: true })
  rmSync(tinyRoot, { recursive: true, force: true })
  return rows
}
