/**
 * Issue #16 points 5 and 6: first-run PATH advice, help and completion; autoremove, orphans
 * reported by uninstall, check against recorded hashes, history, doctor.
 */
import { beforeAll, describe, expect, test } from 'bun:test'
import { appendFileSync, chmodSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXAMPLES } from '../support/example-registry.ts'
import { formatResult, makeTempDir, runCommand, runZoi } from '../support/run-cli.ts'

async function syncedHome(): Promise<string> {
  const home = makeTempDir('zoi-e2e-house-')
  await runZoi(['sync', 'set', EXAMPLES], { home })
  const r = await runZoi(['sync'], { home })
  expect(r.exitCode, formatResult(r)).toBe(0)
  return home
}

let home = ''
const zoi = (...args: string[]) => runZoi(args, { home })
beforeAll(async () => {
  home = await syncedHome()
})

describe('first run', () => {
  test('the PATH advice comes once, after the first install, per shell', async () => {
    const lib = await zoi('install', 'libgreet', '-y')
    expect(lib.stderr, 'no commands installed yet: nothing to advise').not.toContain('PATH')
    const first = await zoi('install', 'hello', '-y')
    expect(first.exitCode, formatResult(first)).toBe(0)
    expect(first.stderr).toContain(`note: ${join(home, '.zoi/pkgs/bin')} is not on your PATH.`)
    for (const shell of ['bash: ', 'zsh:  ', 'fish: ']) expect(first.stderr).toContain(`  ${shell}`)
    expect(first.stderr).toContain(`echo 'export PATH="$HOME/.zoi/pkgs/bin:$PATH"' >> ~/.bashrc`)
    const second = await zoi('install', 'cowsay-lite', '-y')
    expect(second.exitCode, formatResult(second)).toBe(0)
    expect(second.stderr).not.toContain('is not on your PATH')
  }, 60_000)

  test('no advice when the bin folder is on PATH', async () => {
    const h = await syncedHome()
    const r = await runZoi(['install', 'hello', '-y'], { home: h, env: { PATH: `${join(h, '.zoi/pkgs/bin')}:${process.env.PATH}` } })
    expect(r.exitCode, formatResult(r)).toBe(0)
    expect(r.stderr).not.toContain('PATH')
  }, 60_000)

  test('zoi help [command] and aliases in the help', async () => {
    const top = await zoi('help')
    expect(top.exitCode).toBe(0)
    expect(top.stdout).toMatch(/^ {2}install <\.\.\.sources> .*\(alias: i\)$/m)
    expect(top.stdout).toMatch(/^ {2}uninstall .*\(alias: rm, remove\)$/m)
    expect(top.stdout).toMatch(/^ {2}list .*\(alias: ls\)$/m)
    expect(top.stdout).toMatch(/^ {2}update .*\(alias: up, upgrade\)$/m)
    expect(top.stdout).toMatch(/^ {2}show .*\(alias: info\)$/m)
    const one = await zoi('help', 'install')
    expect(one.stdout).toContain('$ zoi install <...sources>')
    expect(one.stdout).toContain('Aliases:\n  i')
    expect(one.stdout).toContain('--dry-run')
    expect((await zoi('upgrade', '--all', '--dry-run')).exitCode).toBe(0)
  }, 60_000)
})

describe('completion', () => {
  test('bash completes commands, flags and package names from the index', async () => {
    const script = await zoi('completion', 'bash')
    expect(script.exitCode).toBe(0)
    const file = join(home, 'zoi.bash')
    writeFileSync(file, script.stdout)
    // `zoi` on PATH for the name lookup the script makes.
    const bin = join(home, 'shim')
    writeFileSync(bin, `#!/bin/sh\nexec ${join(import.meta.dir, '../../dist/zoi')} "$@"\n`)
    chmodSync(bin, 0o755)
    rmSync(join(home, 'zoi'), { force: true })
    symlinkSync(bin, join(home, 'zoi'))
    const complete = async (line: string) => {
      const words = line.split(' ')
      const cmd = `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _zoi; printf '%s\\n' "\${COMPREPLY[@]}"`
      const r = await runCommand(['bash', '-c', cmd], { home, env: { PATH: `${home}:${process.env.PATH}` } })
      return r.stdout.trim().split('\n').sort()
    }
    expect(await complete('zoi ins')).toEqual(['install'])
    expect(await complete('zoi install --dr')).toEqual(['--dry-run'])
    expect(await complete('zoi install hel')).toEqual(['hello'])
    expect(await complete('zoi info lib')).toEqual(['libgreet'])
    expect(await complete('zoi --of')).toEqual(['--offline'])
  }, 60_000)

  test.each(['zsh', 'fish'])('%s script names every command', async (shell) => {
    const r = await zoi('completion', shell)
    expect(r.exitCode).toBe(0)
    for (const cmd of ['install', 'autoremove', 'doctor']) expect(r.stdout).toContain(cmd)
    expect(r.stdout).toContain('zoi completion names')
  }, 60_000)

  test('an unknown shell is a usage error', async () => {
    const r = await zoi('completion', 'tcsh')
    expect(r.exitCode).toBe(2)
  }, 60_000)
})

describe('housekeeping', () => {
  test('uninstall names new orphans; autoremove plans and removes them; history records it all', async () => {
    const h = await syncedHome()
    const z = (...a: string[]) => runZoi(a, { home: h })
    expect((await z('install', 'hello', '-y')).exitCode).toBe(0)
    const rm = await z('uninstall', 'hello', '-y')
    expect(rm.exitCode, formatResult(rm)).toBe(0)
    expect(rm.stdout).toContain("no longer needed by any package: libgreet 1.2.0 (remove with 'zoi autoremove')")
    const plan = await z('autoremove', '--dry-run')
    expect(plan.stdout).toMatch(/remove +libgreet +1\.2\.0/)
    expect(plan.stdout).toContain('Total Removed Size:')
    expect((await z('list', '--json')).stdout).toContain('libgreet')
    const done = await z('autoremove', '-y')
    expect(done.stdout).toBe('removed libgreet 1.2.0\n')
    expect((await z('autoremove')).stdout).toContain('Nothing to do')
    const history = await z('history')
    expect(history.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}zoi install hello\n {2}install +libgreet 1\.2\.0\n {2}install +hello 1\.0\.0\n/)
    expect(history.stdout).toContain('zoi uninstall hello\n  remove    hello 1.0.0')
    expect(history.stdout).toContain('zoi autoremove\n  remove    libgreet 1.2.0')
    const json = JSON.parse((await z('history', '--json')).stdout)
    expect(json).toHaveLength(3)
  }, 60_000)

  test('check finds changed, missing and re-moded files (exit 6) and passes a clean install', async () => {
    const h = await syncedHome()
    const z = (...a: string[]) => runZoi(a, { home: h })
    expect((await z('install', 'hello', '-y')).exitCode).toBe(0)
    const clean = await z('check')
    expect(clean.exitCode, formatResult(clean)).toBe(0)
    expect(clean.stdout).toMatch(/^hello 1\.0\.0: \d+ files, ok$/m)
    const files = (await z('files', 'hello')).stdout.trim().split('\n')
    const script = files.find((f) => f.includes('/store/') && f.endsWith('/bin/hello'))!
    appendFileSync(script, '# tampered\n')
    const changed = await z('check', 'hello')
    expect(changed.exitCode).toBe(6)
    expect(changed.stdout).toContain(`changed: ${script}`)
    const lib = (await z('files', 'libgreet')).stdout.trim().split('\n').find((f) => !f.endsWith('/'))!
    chmodSync(lib, 0o600)
    expect((await z('check', 'libgreet')).stdout).toContain(`mode: ${lib} (0644 -> 0600)`)
    rmSync(lib)
    expect((await z('check', 'libgreet')).stdout).toContain(`missing: ${lib}`)
    expect((await z('check', 'helo')).exitCode).toBe(3)
  }, 60_000)

  test('doctor reports PATH, broken bin links, orphans, lock and cache', async () => {
    const h = await syncedHome()
    const z = (...a: string[]) => runZoi(a, { home: h })
    expect((await z('install', 'hello', '-y')).exitCode).toBe(0)
    await z('uninstall', 'hello', '-y')
    symlinkSync(join(h, 'nowhere'), join(h, '.zoi/pkgs/bin/dangling'))
    const r = await z('doctor')
    expect(r.exitCode, formatResult(r)).toBe(0)
    expect(r.stdout).toContain(`warn  ${join(h, '.zoi/pkgs/bin')} is not on PATH`)
    expect(r.stdout).toContain('warn  broken links in')
    expect(r.stdout).toContain('dangling')
    expect(r.stdout).toContain("ok    registry 'example': last commit 0 days ago")
    expect(r.stdout).toContain('warn  no longer needed: libgreet 1.2.0')
    expect(r.stdout).toContain('ok    not locked')
    expect(r.stdout).toMatch(/ok {4}cache: \d+ archives?/)
    expect(r.stdout).toContain('ok    keyring: 0 keys, 0 trust anchors')
    // An anchor that names no key here is reported with how to fix it.
    writeFileSync(join(h, '.zoi/pkgs/config.yaml'), readFileSync(join(h, '.zoi/pkgs/config.yaml'), 'utf8') + 'policy:\n  signature_enforcement: {enable: true, trusted_keys: [corp]}\n')
    const anchored = await z('doctor')
    expect(anchored.stdout).toContain('warn  keyring: 0 keys, 1 trust anchor; anchors with no key here: corp')
  }, 60_000)
})
