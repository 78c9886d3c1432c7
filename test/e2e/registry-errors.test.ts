/**
 * Faults of the user or the machine are never exit 1: a damaged registry index, a file where a
 * folder is expected, a missing folder, over-long names, a full or read-only filesystem, a YAML
 * alias bomb, unknown names. Each names the path and exits 2/3/6/7.
 */
import { beforeAll, describe, expect, test } from 'bun:test'
import { cpSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatResult, makeTempDir, runCommand, runZoi } from '../support/run-cli.ts'

const zoi = (home: string, ...args: string[]) => runZoi(args, { home })
const ZOI = join(import.meta.dir, '../../dist/zoi')

/** Root with mount namespaces: read-only binds and tiny tmpfs mounts can be made for one command. */
const canMount = Bun.spawnSync(['unshare', '-m', 'sh', '-c', 'mount -t tmpfs -o size=1m none /mnt']).exitCode === 0

/** Runs zoi inside a mount namespace after `setup` (shell) ran there. */
function inNamespace(home: string, setup: string, args: string[]) {
  const quoted = args.map((a) => `'${a}'`).join(' ')
  return runCommand(['unshare', '-m', 'sh', '-c', `${setup} && exec '${ZOI}' ${quoted}`], { home })
}

let fixture: string

beforeAll(async () => {
  fixture = makeTempDir()
  const reg = join(fixture, 'reg')
  mkdirSync(join(reg, 'core/hello'), { recursive: true })
  writeFileSync(join(reg, 'repo.yaml'), 'name: Alpha\n')
  writeFileSync(join(reg, 'core/hello/hello.pkg.lua'), 'metadata({ name = "hello", repo = "core", version = "1.0.0", description = "x" })\n')
  for (const args of [['sync', 'set', reg], ['sync'], ['install', 'hello', '-y']]) {
    const r = await zoi(fixture, ...args)
    expect(r.exitCode, formatResult(r)).toBe(0)
  }
})

/** A fresh HOME holding a copy of the synced fixture. */
function home(): string {
  const h = makeTempDir()
  cpSync(fixture, h, { recursive: true })
  // The registry URL in the copied config points at the fixture's folder, which stays put.
  return h
}

describe('a damaged registry index', () => {
  test('truncated <handle>.db: exit 6 naming the file, hint zoi sync --force, which repairs it', async () => {
    const h = home()
    const index = join(h, '.zoi/pkgs/db/alpha.db')
    truncateSync(index, 3000)
    const r = await zoi(h, 'search', 'hello')
    expect(r.exitCode, formatResult(r)).toBe(6)
    expect(r.stderr).toContain(`error: registry index ${index} is truncated`)
    expect(r.stderr).toContain("hint: run 'zoi sync --force' to rebuild it")
    const fix = await zoi(h, 'sync', '--force')
    expect(fix.exitCode, formatResult(fix)).toBe(0)
    expect((await zoi(h, 'search', 'hello')).exitCode).toBe(0)
  })

  test('an index that is not an index (empty, or another database): exit 6, never "no such table"', async () => {
    const h = home()
    const index = join(h, '.zoi/pkgs/db/alpha.db')
    writeFileSync(index, '')
    const empty = await zoi(h, 'show', 'hello')
    expect(empty.exitCode, formatResult(empty)).toBe(6)
    expect(empty.stderr).toContain(`registry index ${index} is empty`)
    cpSync(join(h, '.zoi/pkgs/db/local.db'), index)
    const other = await zoi(h, 'install', 'hello', '--dry-run')
    expect(other.exitCode, formatResult(other)).toBe(6)
    expect(other.stderr).toContain(`registry index ${index} is unreadable`)
  })
})

describe('paths the user gave', () => {
  test('zoi mirror <a file> is a usage error', async () => {
    const h = home()
    writeFileSync(join(h, 'afile'), 'x')
    const r = await zoi(h, 'mirror', join(h, 'afile'))
    expect(r.exitCode, formatResult(r)).toBe(2)
    expect(r.stderr).toContain('is a file, not a directory')
  })

  test('sync export into a missing folder is not found, naming the folder', async () => {
    const h = home()
    const r = await zoi(h, 'sync', 'export', join(h, 'missing/b.tar.zst'))
    expect(r.exitCode, formatResult(r)).toBe(3)
    expect(r.stderr).toContain(`folder ${join(h, 'missing')} does not exist`)
  })

  test('a name longer than the filesystem allows (ENAMETOOLONG) is a usage error', async () => {
    const h = home()
    const long = join(h, `${'n'.repeat(300)}.tar.zst`)
    const r = await zoi(h, 'sync', 'export', long)
    expect(r.exitCode, formatResult(r)).toBe(2)
    expect(r.stderr).toContain('ENAMETOOLONG')
    const m = await zoi(h, 'mirror', join(h, 'm'.repeat(300)))
    expect(m.exitCode, formatResult(m)).toBe(2)
    expect(m.stderr).toContain('file name too long')
  })
})

describe('the filesystem refuses', () => {
  test.skipIf(!canMount)('a full disk (ENOSPC) during sync export is exit 7 naming the file', async () => {
    const h = home()
    const out = join(h, 'small')
    mkdirSync(out)
    const fill = `mount -t tmpfs -o size=64k none '${out}' && (dd if=/dev/zero of='${out}/fill' bs=4k 2>/dev/null || true)`
    const r = await inNamespace(h, fill, ['sync', 'export', join(out, 'b.tar.zst')])
    expect(r.exitCode, formatResult(r)).toBe(7)
    expect(r.stderr).toContain(join(out, 'b.tar.zst'))
  })

  test.skipIf(!canMount)('a read-only HOME: list, show, files, search work; writes exit 7 naming the path', async () => {
    const h = home()
    const ro = `mount --bind '${h}' '${h}' && mount -o remount,ro,bind '${h}'`
    for (const args of [['list'], ['show', 'hello'], ['files', 'hello'], ['search', 'hello']]) {
      const r = await inNamespace(h, ro, args)
      expect(r.exitCode, `${args.join(' ')}\n${formatResult(r)}`).toBe(0)
    }
    const set = await inNamespace(h, ro, ['sync', 'set', join(h, 'reg')])
    expect(set.exitCode, formatResult(set)).toBe(7)
    expect(set.stderr).toContain(join(h, '.zoi/pkgs/config.yaml'))
    const install = await inNamespace(h, ro, ['install', 'hello', '--force', '-y'])
    expect(install.exitCode, formatResult(install)).toBe(7)
    expect(install.stderr).toContain(join(h, '.zoi/pkgs'))
  })
})

test.skipIf(!canMount)('a read-only --root: list, show, files, search work; install exits 7 naming the path', async () => {
  const h = home()
  const root = join(h, 'root')
  mkdirSync(root)
  const installed = await zoi(h, 'install', 'hello', '--root', root, '-y')
  expect(installed.exitCode, formatResult(installed)).toBe(0)
  const ro = `mount --bind '${root}' '${root}' && mount -o remount,ro,bind '${root}'`
  for (const args of [['list'], ['show', 'hello'], ['files', 'hello'], ['search', 'hello']]) {
    const r = await inNamespace(h, ro, [...args, '--root', root])
    expect(r.exitCode, `${args.join(' ')}\n${formatResult(r)}`).toBe(0)
  }
  const install = await inNamespace(h, ro, ['install', 'hello', '--force', '-y', '--root', root])
  expect(install.exitCode, formatResult(install)).toBe(7)
  expect(install.stderr).toContain(root)
})

describe('input that is not a bug', () => {
  test('a YAML alias bomb in config.yaml is exit 2 naming the file', async () => {
    const h = home()
    const config = join(h, '.zoi/pkgs/config.yaml')
    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g'], ['g', 'h']]) {
      rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`)
    }
    writeFileSync(config, `${readFileSync(config, 'utf8')}${rows.join('\n')}\n`)
    const r = await zoi(h, 'list')
    expect(r.exitCode, formatResult(r)).toBe(2)
    expect(r.stderr).toContain(`error: ${config}: invalid YAML`)
  })

  test('install <unknown name> is exit 3; search --files without a match is exit 3', async () => {
    const h = home()
    const r = await zoi(h, 'install', 'no-such-package', '-y')
    expect(r.exitCode, formatResult(r)).toBe(3)
    expect(r.stderr).toContain("package 'no-such-package' not found")
    const f = await zoi(h, 'search', '--files', 'no-such-file')
    expect(f.exitCode, formatResult(f)).toBe(3)
  })
})
