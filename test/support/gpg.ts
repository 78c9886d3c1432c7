/**
 * GnuPG in tests (never in the product): a throw-away GNUPGHOME, keys made with
 * `gpg --quick-gen-key` (no passphrase), detached signatures, and `gpg --verify`.
 * `fakedTime` (`20200101T000000`) makes gpg believe it is another date, for expiry cases.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const HAS_GPG = spawnSync('gpg', ['--version']).status === 0

export interface GpgKey {
  home: string
  uid: string
  fingerprint: string
  /** Armored public key file. */
  publicFile: string
  /** Armored secret key file (unprotected). */
  secretFile: string
}

export function gpg(home: string, args: string[], opts: { fakedTime?: string; input?: string } = {}): string {
  const faked = opts.fakedTime ? ['--faked-system-time', opts.fakedTime] : []
  const r = spawnSync('gpg', ['--batch', '--yes', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', ...faked, ...args], {
    env: { ...process.env, GNUPGHOME: home },
    input: opts.input,
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`gpg ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout
}

export function gpgHome(): string {
  return mkdtempSync(join(tmpdir(), 'zoi-gnupg-'))
}

/** A new signing key (ed25519) in its own GNUPGHOME; `expire` like `1y` or `never`. */
export function makeGpgKey(uid: string, opts: { expire?: string; fakedTime?: string } = {}): GpgKey {
  const home = gpgHome()
  gpg(home, ['--quick-gen-key', uid, 'ed25519', 'sign', opts.expire ?? 'never'], { fakedTime: opts.fakedTime })
  const colons = gpg(home, ['--with-colons', '--list-keys', uid])
  const fingerprint = colons.split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9]!
  const publicFile = join(home, 'public.asc')
  const secretFile = join(home, 'secret.asc')
  writeFileSync(publicFile, gpg(home, ['--armor', '--export', fingerprint]))
  writeFileSync(secretFile, gpg(home, ['--armor', '--export-secret-keys', fingerprint]))
  return { home, uid, fingerprint, publicFile, secretFile }
}

/** `gpg --detach-sign` (binary) of `file` into `<file>.sig`. */
export function gpgSign(key: GpgKey, file: string, opts: { fakedTime?: string; out?: string } = {}): string {
  const out = opts.out ?? `${file}.sig`
  gpg(key.home, ['--local-user', key.fingerprint, '--detach-sign', '--output', out, file], { fakedTime: opts.fakedTime })
  return out
}

/** `gpg --verify sig file` in `home` (which must hold the public key); true when good. */
export function gpgVerifies(home: string, sig: string, file: string): boolean {
  return spawnSync('gpg', ['--batch', '--verify', sig, file], { env: { ...process.env, GNUPGHOME: home } }).status === 0
}

export function writeText(path: string, text: string): string {
  writeFileSync(path, text)
  return path
}
