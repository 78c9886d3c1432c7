/** The command-line contract of the compiled binary: flags, exit codes, error shape, config edits. */
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatResult, makeTempDir, runZoi } from '../support/run-cli.ts'

const home = () => makeTempDir('zoi-e2e-home-')

describe('basics', () => {
  test('--version prints the version and exits 0', async () => {
    const r = await runZoi(['--version'], { home: home() })
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/^zoi \d+\.\d+\.\d+\n$/)
  })

  test('--help lists every command of SPEC §2', async () => {
    const r = await runZoi(['--help'], { home: home() })
    expect(r.exitCode).toBe(0)
    for (const cmd of ['sync', 'install', 'uninstall', 'update', 'list', 'search', 'show', 'files', 'owner', 'why', 'pin', 'unpin', 'cache', 'package']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd} `, 'm'))
    }
    for (const flag of ['--offline', '--root <dir>', '--pkg-dir <dir>', '-y, --yes', '--json', '-v, --verbose', '-q, --quiet', '--version', '-h, --help']) {
      expect(r.stdout).toContain(flag)
    }
  })

  test('command help shows its flags', async () => {
    const r = await runZoi(['install', '--help'], { home: home() })
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain('--dry-run')
    expect(r.stdout).toContain('--offline')
  })
})

describe('the folder zoi runs in cannot change it', () => {
  // Bun's standalone binaries load .env and bunfig.toml from the current folder unless built
  // not to (build.ts): a bunfig.toml preload would run its code inside zoi.
  test('a bunfig.toml preload and a .env in the current folder are ignored', async () => {
    const h = home()
    const cwd = join(h, 'cloned-repo')
    mkdirSync(cwd)
    writeFileSync(join(cwd, 'bunfig.toml'), 'preload = ["./preload.js"]\n')
    writeFileSync(join(cwd, 'preload.js'), `require('node:fs').writeFileSync(${JSON.stringify(join(h, 'preload-ran'))}, 'yes')\nconsole.error('PRELOAD RAN')\n`)
    const otherHome = join(h, 'home-from-dotenv')
    writeFileSync(join(cwd, '.env'), `HOME=${otherHome}\n`)
    for (const args of [['--version'], ['sync', 'set', 'https://127.0.0.1:9/registry.git'], ['sync', 'list'], ['list']]) {
      const r = await runZoi(args, { home: h, cwd })
      expect(r.exitCode, formatResult(r)).toBe(0)
      expect(r.stderr).not.toContain('PRELOAD RAN')
    }
    expect(existsSync(join(h, 'preload-ran'))).toBe(false)
    // The registry was set in the real HOME's config, not in the HOME the .env names.
    expect(existsSync(otherHome)).toBe(false)
    const r = await runZoi(['sync', 'list'], { home: h })
    expect(r.stdout).toContain('https://127.0.0.1:9/registry.git')
  })
})

describe('usage errors exit 2 with a hint', () => {
  test.each([
    [['frobnicate'], "error: unknown command 'frobnicate'"],
    [['--frobnicate'], "error: unknown option '--frobnicate'"],
    [['install', '--frob', 'x'], "error: unknown option '--frob' for 'install'"],
    [['install'], 'error: missing required args'],
    [['sync', 'bogus'], "error: unknown action 'sync bogus'"],
    [['sync', 'set'], 'error: usage: zoi sync set'],
    [['cache'], "error: 'cache' needs one of"],
    [['install', 'x', '--scope', 'galaxy'], "error: unknown scope 'galaxy'"],
  ])('zoi %p', async (args, message) => {
    const r = await runZoi(args, { home: home() })
    expect(r.exitCode, formatResult(r)).toBe(2)
    expect(r.stderr).toStartWith(message)
    expect(r.stderr).toContain('\nhint: ')
    expect(r.stderr).not.toContain('    at ') // no stack trace without -v
  })
})

describe('--root is checked', () => {
  test('a directory that does not exist', async () => {
    const h = home()
    const r = await runZoi(['list', '--root', join(h, 'nope')], { home: h })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain(`--root '${join(h, 'nope')}' does not exist`)
    expect(r.stderr).toContain('hint: create it first')
  })

  test('a file', async () => {
    const h = home()
    writeFileSync(join(h, 'f'), 'x')
    const r = await runZoi(['list', '--root', 'f'], { home: h })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain("--root 'f' is not a directory")
  })
})

describe('--json', () => {
  test('errors are a JSON object on stdout with code and exit', async () => {
    const r = await runZoi(['frobnicate', '--json'], { home: home() })
    expect(r.exitCode).toBe(2)
    const parsed = JSON.parse(r.stdout)
    expect(parsed.error.code).toBe('USAGE')
    expect(parsed.error.exit).toBe(2)
    expect(parsed.error.message).toBe("unknown command 'frobnicate'")
  })

  test('results are JSON', async () => {
    const h = home()
    await runZoi(['sync', 'add', '/srv/extra-registry'], { home: h })
    const r = await runZoi(['sync', 'list', '--json'], { home: h })
    expect(r.exitCode).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([
      { kind: 'default', handle: '', url: 'https://gitlab.com/Zillowe/Zillwen/Zusty/Zoidberg.git' },
      { kind: 'added', handle: '', url: '/srv/extra-registry' },
    ])
  })
})

describe('config', () => {
  test('sync set writes the user config and keeps unknown keys', async () => {
    const h = home()
    const file = join(h, '.zoi/pkgs/config.yaml')
    mkdirSync(join(h, '.zoi/pkgs'), { recursive: true })
    writeFileSync(file, '# mine\nfavourite_colour: teal\n')
    const r = await runZoi(['sync', 'set', './usb/registry'], { home: h })
    expect(r.exitCode, formatResult(r)).toBe(0)
    const text = readFileSync(file, 'utf8')
    expect(text).toContain('favourite_colour: teal')
    expect(text).toContain(`url: ${join(h, 'usb/registry')}`)
  })

  test('a broken config is exit 2 naming file and line', async () => {
    const h = home()
    mkdirSync(join(h, '.zoi/pkgs'), { recursive: true })
    writeFileSync(join(h, '.zoi/pkgs/config.yaml'), 'offline_mode: true\npkg_dirs: 7\n')
    const r = await runZoi(['sync', 'list'], { home: h })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toStartWith(`error: ${join(h, '.zoi/pkgs/config.yaml')}:2: key 'pkg_dirs' must be a list of strings`)
  })

  test('cache mirror add / ls / remove', async () => {
    const h = home()
    expect((await runZoi(['cache', 'mirror', 'add', 'https://m1.example/zoi/'], { home: h })).exitCode).toBe(0)
    const dup = await runZoi(['cache', 'mirror', 'add', 'https://m1.example/zoi'], { home: h })
    expect(dup.exitCode).toBe(4)
    expect((await runZoi(['cache', 'mirror', 'ls'], { home: h })).stdout).toBe('https://m1.example/zoi\n')
    expect((await runZoi(['cache', 'mirror', 'remove', 'https://m1.example/zoi'], { home: h })).exitCode).toBe(0)
    const gone = await runZoi(['cache', 'mirror', 'remove', 'https://m1.example/zoi'], { home: h })
    expect(gone.exitCode).toBe(3)
    expect(gone.stderr).toContain("cache mirror 'https://m1.example/zoi' not found")
  })

  test('sync remove refuses the default registry and forgets an added one', async () => {
    const h = home()
    await runZoi(['sync', 'add', '/srv/r2'], { home: h })
    const def = await runZoi(['sync', 'remove', 'https://gitlab.com/Zillowe/Zillwen/Zusty/Zoidberg.git'], { home: h })
    expect(def.exitCode).toBe(4)
    const r = await runZoi(['sync', 'remove', '/srv/r2'], { home: h })
    expect(r.exitCode, formatResult(r)).toBe(0)
    const list = await runZoi(['sync', 'list', '--json'], { home: h })
    expect(JSON.parse(list.stdout)).toHaveLength(1)
  })
})

describe('the Lua snapshot (src/lua/lua-snapshot.ts)', () => {
  test('the binary embeds the snapshot build.ts made, of the very wasm it embeds', async () => {
    const { ZOI_BIN } = await import('../support/run-cli.ts')
    const { decodeSnapshot, wasmHash } = await import('../../src/lua/lua-snapshot.ts')
    const { lowerInitialMemory } = await import('../../src/lua/wasm-initial-memory.ts')
    const snapshot = readFileSync(join(import.meta.dir, '../../dist/lua-snapshot.bin'))
    expect(readFileSync(ZOI_BIN).indexOf(snapshot)).toBeGreaterThan(0)
    const wasm = new Uint8Array(readFileSync(require.resolve('wasmoon/dist/glue.wasm')))
    lowerInitialMemory(wasm, 32)
    expect(decodeSnapshot(new Uint8Array(snapshot)).header.wasm).toBe(wasmHash(wasm))
  })
})
