/**
 * `pacman -U --root` as a reference: a payload staged for zoi (`data/…` + definition, see
 * payload.ts) is packed for pacman from the same staging folder — the same files at the same
 * depth, so pacman's root gets `data/pkgstore/…` as zoi's store does — with `tar | zstd -3`
 * (zstd's default level, as zoi's writer uses). Every run gets a fresh root (see `FreshRoot`).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FreshDirs, runOnce, type Run } from './lib.ts'

export const hasPacman = (): boolean => Bun.which('pacman') !== null

/** Packs the staged package `<stage>` as `<outDir>/<name>-1.0.0-1-x86_64.pkg.tar.zst`. */
export async function packForPacman(stage: string, name: string, outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(stage, '.PKGINFO'), `pkgname = ${name}\npkgbase = ${name}\npkgver = 1.0.0-1\npkgdesc = bench\nbuilddate = 0\npackager = bench\nsize = 0\narch = x86_64\n`)
  const out = join(outDir, `${name}-1.0.0-1-x86_64.pkg.tar.zst`)
  await runOnce({ cmd: `cd '${stage}' && tar -cf - .PKGINFO data | zstd -q -3 -o '${out}'` })
  return out
}

/**
 * A new, empty root before every run, with pacman's db folder in it. The previous roots stay
 * until the bench ends (see `FreshDirs`).
 */
export class FreshRoot {
  path = ''
  readonly #dirs: FreshDirs
  constructor(work: string, prefix = 'root') {
    this.#dirs = new FreshDirs(work, prefix)
  }

  readonly fresh = (): void => {
    this.path = this.#dirs.next()
    mkdirSync(join(this.path, 'var/lib/pacman'), { recursive: true })
  }
}

/** `pacman -U --root <fresh root> <pkgs>`: no signatures, hooks, scriptlets or dependency checks. */
export function pacmanInstall(work: string, root: FreshRoot, pkgs: string[]): Run {
  const conf = join(work, 'pacman.conf')
  writeFileSync(conf, '[options]\nArchitecture = auto\nSigLevel = Never\nLocalFileSigLevel = Never\n')
  mkdirSync(join(work, 'hooks'), { recursive: true })
  return {
    get cmd() {
      const dbpath = join(root.path, 'var/lib/pacman')
      return ['pacman', '-U', '--root', root.path, '--dbpath', dbpath, '--config', conf, '--cachedir', join(work, 'pcache'), '--hookdir', join(work, 'hooks'), '--noconfirm', '--noscriptlet', '--nodeps', '--noprogressbar', ...pkgs]
    },
    before: root.fresh,
  }
}
