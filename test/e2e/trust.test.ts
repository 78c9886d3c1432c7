/**
 * OpenPGP trust end to end with the compiled binary and GnuPG-made keys: a registry (a local
 * clone) whose commits are gpg-signed, archives with gpg-made `.sig` files in a pkg-dir, and
 * refusals (exit 6, nothing changed) for a wrong key, a missing `.sig`, an unsigned or
 * wrongly-signed new HEAD; zoi's own `--sign` output verifies with `gpg --verify`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { HAS_GPG, gpgSign, gpgVerifies, makeGpgKey, type GpgKey } from '../support/gpg.ts'
import { makeTempDir as makeRepoDir, removeTempDirs } from '../support/make-git-repo.ts'
import { formatResult, makeTempDir, runZoi } from '../support/run-cli.ts'
import { startStaticServer } from '../support/static-server.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const NAMES = ['hello', 'libgreet', 'base']
const CAN_UNSHARE = spawnSync('unshare', ['-n', 'true']).status === 0

/** System git with a GNUPGHOME, for signed commits (tests only; zoi never runs git or gpg). */
function git(cwd: string, args: string[], key?: GpgKey): string {
  const r = spawnSync('git', key ? ['-c', `user.signingkey=${key.fingerprint}`, '-c', 'gpg.program=gpg', ...args] : args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env, GNUPGHOME: key?.home ?? '/nonexistent', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@zoi.invalid', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@zoi.invalid',
    },
  })
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.trim()
}

describe.skipIf(!HAS_GPG)('OpenPGP trust (needs gnupg)', () => {
  let alice: GpgKey
  let mallory: GpgKey
  let home: string
  let repo: string
  const dirs: Record<'good' | 'wrong' | 'unsigned', string> = { good: '', wrong: '', unsigned: '' }
  const zoi = (...a: string[]) => runZoi(a, { home })

  beforeAll(async () => {
    alice = makeGpgKey('Alice Release <alice@example.org>')
    mallory = makeGpgKey('Mallory <mallory@example.org>')
    home = makeTempDir()
    repo = await makeRepoDir('zoi-signed-registry-')
    cpSync(EXAMPLES, repo, { recursive: true })
    git(repo, ['init', '-q', '-b', 'main'])
    git(repo, ['add', '-A'])
    git(repo, ['commit', '-q', '-S', '-m', 'signed'], alice)
    for (const d of Object.keys(dirs) as (keyof typeof dirs)[]) mkdirSync((dirs[d] = join(home, d)))
    for (const n of NAMES) {
      const r = await zoi('package', 'build', join(EXAMPLES, 'core', n, `${n}.pkg.lua`), '-o', dirs.unsigned)
      expect(r.exitCode, formatResult(r)).toBe(0)
    }
    for (const f of readdirSync(dirs.unsigned).filter((f) => f.endsWith('.pkg.tar.zst'))) {
      for (const [d, key] of [['good', alice], ['wrong', mallory]] as const) {
        copyFileSync(join(dirs.unsigned, f), join(dirs[d], f))
        gpgSign(key, join(dirs[d], f))
      }
    }
  })
  afterAll(async () => { if (!process.env.ZOI_KEEP_TMP) await removeTempDirs() })

  test('key add / trust / ls, then a sync verifies the gpg-signed HEAD', async () => {
    expect((await zoi('key', 'add', alice.publicFile, '--name', 'alice')).exitCode).toBe(0)
    expect((await zoi('key', 'add', mallory.publicFile, '--name', 'mallory')).exitCode).toBe(0)
    expect((await zoi('sync', 'set', repo)).exitCode).toBe(0)
    const trust = await zoi('key', 'trust', 'alice')
    expect(trust.exitCode, formatResult(trust)).toBe(0)
    const ls = await zoi('key', 'ls', '--json')
    const rows = JSON.parse(ls.stdout) as { name: string; fingerprint: string; trustedBy: string[] }[]
    expect(rows.map((r) => [r.name, r.fingerprint, r.trustedBy.length])).toEqual([['alice', alice.fingerprint, 1], ['mallory', mallory.fingerprint, 0]])
    const sync = await zoi('sync')
    expect(sync.exitCode, formatResult(sync)).toBe(0)
  })

  test('archives with a .sig by another key, or none, are refused offline (exit 6), nothing installed', async () => {
    const wrong = await zoi('install', 'hello', '--offline', '--pkg-dir', dirs.wrong)
    expect(wrong.exitCode, formatResult(wrong)).toBe(6)
    expect(wrong.stderr).toContain('.pkg.tar.zst')
    expect(wrong.stderr).toContain(`is signed by key 'mallory' (${mallory.fingerprint.slice(-16)}), which is not a trusted key`)
    const missing = await zoi('install', 'hello', '--offline', '--pkg-dir', dirs.unsigned)
    expect(missing.exitCode, formatResult(missing)).toBe(6)
    expect(missing.stderr).toContain('no signature for archive')
    expect(missing.stderr).toContain(join(dirs.unsigned, ''))
    expect((await zoi('list', '--json')).stdout.trim()).toBe('[]')
  })

  test('archives with gpg-made .sig files in a pkg-dir install offline (inside unshare -n when possible)', async () => {
    const args = ['install', 'hello', '--offline', '--pkg-dir', dirs.good]
    const r = CAN_UNSHARE
      ? await runCommandIn(['unshare', '-n', resolve(import.meta.dir, '../../dist/zoi'), ...args])
      : await zoi(...args)
    expect(r.exitCode, formatResult(r)).toBe(0)
    expect(JSON.parse((await zoi('list', '--json')).stdout).map((p: { name: string }) => p.name).sort()).toEqual(['hello', 'libgreet'])
  })

  test('an unsigned new HEAD, or one signed by another key, is refused: previous clone and index kept', async () => {
    const clone = join(home, '.zoi/pkgs/db/example')
    const before = git(clone, ['rev-parse', 'HEAD'])
    writeFileSync(join(repo, 'core/hello/NOTE'), 'unsigned change\n')
    git(repo, ['add', '-A'])
    git(repo, ['commit', '-q', '--no-gpg-sign', '-m', 'unsigned'])
    const head = git(repo, ['rev-parse', 'HEAD'])
    const r = await zoi('sync')
    expect(r.exitCode, formatResult(r)).toBe(6)
    expect(r.stderr).toContain(`commit ${head.slice(0, 12)}`)
    expect(r.stderr).toContain('is not signed')
    expect(git(clone, ['rev-parse', 'HEAD'])).toBe(before)

    git(repo, ['commit', '-q', '--allow-empty', '-S', '-m', 'signed by mallory'], mallory)
    const r2 = await zoi('sync')
    expect(r2.exitCode, formatResult(r2)).toBe(6)
    expect(r2.stderr).toContain(`signed by key 'mallory' (${mallory.fingerprint.slice(-16)})`)
    expect(git(clone, ['rev-parse', 'HEAD'])).toBe(before)
    // The index still answers for the verified commit.
    expect((await zoi('show', 'hello')).exitCode).toBe(0)

    git(repo, ['commit', '-q', '--allow-empty', '-S', '-m', 'signed again by alice'], alice)
    const r3 = await zoi('sync')
    expect(r3.exitCode, formatResult(r3)).toBe(0)
    expect(git(clone, ['rev-parse', 'HEAD'])).toBe(git(repo, ['rev-parse', 'HEAD']))
  })

  test('sync export carries keys and anchors: the other machine verifies and installs offline', async () => {
    const bundle = join(home, 'registry.tar.zst')
    const ex = await zoi('sync', 'export', bundle)
    expect(ex.exitCode, formatResult(ex)).toBe(0)
    const other = makeTempDir()
    const imp = await runZoi(['sync', 'import', bundle, '--offline'], { home: other })
    expect(imp.exitCode, formatResult(imp)).toBe(0)
    const keys = JSON.parse((await runZoi(['key', 'ls', '--json'], { home: other })).stdout) as { name: string; trustedBy: string[] }[]
    expect(keys.map((k) => [k.name, k.trustedBy])).toEqual([['alice', ['example']], ['mallory', []]])
    const bad = await runZoi(['install', 'hello', '--offline', '--pkg-dir', dirs.wrong], { home: other })
    expect(bad.exitCode, formatResult(bad)).toBe(6)
    const good = await runZoi(['install', 'hello', '--offline', '--pkg-dir', dirs.good], { home: other })
    expect(good.exitCode, formatResult(good)).toBe(0)
  })

  test('online: repo.yaml pgp: keys are imported untrusted; archives and their .sig are downloaded, then reinstall offline from the cache', async () => {
    const served = await makeRepoDir('zoi-served-')
    for (const f of readdirSync(dirs.good)) copyFileSync(join(dirs.good, f), join(served, f))
    copyFileSync(mallory.publicFile, join(served, 'mallory.asc'))
    const files = await startStaticServer(served)
    try {
      writeFileSync(join(repo, 'repo.yaml'), `${readFileSync(join(EXAMPLES, 'repo.yaml'), 'utf8')}pkg:\n  - {type: main, url: "${files.url}"}\npgp:\n  - {name: offered, key: "${files.url}/mallory.asc"}\n`)
      git(repo, ['commit', '-q', '-a', '-S', '-m', 'archives online'], alice)
      const sync = await zoi('sync')
      expect(sync.exitCode, formatResult(sync)).toBe(0)
      const rows = JSON.parse((await zoi('key', 'ls', '--json')).stdout) as { name: string; trustedBy: string[] }[]
      expect(rows.find((r) => r.name === 'offered')?.trustedBy).toEqual([])

      expect((await zoi('uninstall', 'hello', 'libgreet')).exitCode).toBe(0)
      const r = await zoi('install', 'hello')
      expect(r.exitCode, formatResult(r)).toBe(0)
      expect(files.hits).toContain(`GET /${readdirSync(dirs.good).find((f) => f.startsWith('hello') && f.endsWith('.sig'))}`)
      const cache = join(home, '.zoi/cache/archives')
      expect(readdirSync(cache).filter((f) => f.endsWith('.sig')).length).toBe(2)
    } finally {
      await files.stop()
    }
    expect((await zoi('uninstall', 'hello', 'libgreet')).exitCode).toBe(0)
    const again = CAN_UNSHARE
      ? await runCommandIn(['unshare', '-n', resolve(import.meta.dir, '../../dist/zoi'), 'install', 'hello', '--offline'])
      : await zoi('install', 'hello', '--offline')
    expect(again.exitCode, formatResult(again)).toBe(0)
  })

  test('package build --sign writes a .sig that gpg --verify accepts; enforcement with no keys refuses', async () => {
    const out = join(home, 'signed-out')
    const r = await zoi('package', 'build', join(EXAMPLES, 'core/hello/hello.pkg.lua'), '-o', out, '--sign', alice.secretFile)
    expect(r.exitCode, formatResult(r)).toBe(0)
    const archive = readdirSync(out).find((f) => f.endsWith('.pkg.tar.zst'))!
    expect(gpgVerifies(alice.home, join(out, `${archive}.sig`), join(out, archive))).toBe(true)

    const cfg = join(home, '.zoi/pkgs/config.yaml')
    writeFileSync(cfg, `${readFileSync(cfg, 'utf8')}policy:\n  signature_enforcement:\n    enable: true\n    trusted_keys: []\n`)
    const refused = await zoi('install', join(out, archive), '--offline')
    expect(refused.exitCode, formatResult(refused)).toBe(6)
    expect(refused.stderr).toContain('enforcement is on')
  })

  test('key untrust: a key the registry does not require is exit 3; removing the last anchor accepts unsigned commits again, even after key rm', async () => {
    const other = makeTempDir()
    const z = (...a: string[]) => runZoi(a, { home: other })
    expect((await z('key', 'add', alice.publicFile, '--name', 'alice')).exitCode).toBe(0)
    expect((await z('key', 'add', mallory.publicFile, '--name', 'mallory')).exitCode).toBe(0)
    expect((await z('sync', 'set', repo)).exitCode).toBe(0)
    expect((await z('key', 'trust', 'alice')).exitCode).toBe(0)
    git(repo, ['commit', '-q', '--allow-empty', '--no-gpg-sign', '-m', 'unsigned again'])
    expect((await z('sync')).exitCode).toBe(6)

    const notRequired = await z('key', 'untrust', 'mallory')
    expect(notRequired.exitCode, formatResult(notRequired)).toBe(3)
    expect(notRequired.stderr).toContain("does not require key 'mallory'")

    expect((await z('key', 'rm', 'alice')).exitCode).toBe(0)
    const untrust = await z('key', 'untrust', alice.fingerprint)
    expect(untrust.exitCode, formatResult(untrust)).toBe(0)
    expect(untrust.stdout).toContain(alice.fingerprint)
    expect(untrust.stdout).toContain('no longer requires signed commits')
    expect(readFileSync(join(other, '.zoi/pkgs/config.yaml'), 'utf8')).not.toContain('authorities')
    const sync = await z('sync')
    expect(sync.exitCode, formatResult(sync)).toBe(0)
  })

  async function runCommandIn(cmd: string[]) {
    const proc = Bun.spawn(cmd, { cwd: home, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NO_COLOR: '1' }, stdout: 'pipe', stderr: 'pipe' })
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
    return { exitCode, stdout, stderr }
  }
})
