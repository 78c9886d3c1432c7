import { describe, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { originUrl, registryFolders, withDiscovered } from '../../../src/registry/discover.ts'
import { makeTempDir } from '../../support/run-cli.ts'

/** A db folder with registry folders; `origin` gives a folder a .git/config remote. */
function db(folders: Record<string, string | null>): string {
  const dir = makeTempDir()
  for (const [name, origin] of Object.entries(folders)) {
    mkdirSync(join(dir, name, '.git'), { recursive: true })
    writeFileSync(join(dir, name, 'repo.yaml'), `name: ${name}\n`)
    if (origin) writeFileSync(join(dir, name, '.git/config'), `[core]\n\tbare = false\n[remote "origin"]\n\turl = ${origin}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`)
  }
  writeFileSync(join(dir, 'local.db'), '')
  mkdirSync(join(dir, '.alpha.zoi-sync-1-x'))
  mkdirSync(join(dir, 'no-repo-yaml'))
  return dir
}

const OFFICIAL = { handle: '', url: 'https://gitlab.com/Zillowe/Zillwen/Zusty/Zoidberg.git' }

describe('registries found in <db>/', () => {
  test('folders holding repo.yaml, sorted; url from the clone origin, else the folder', () => {
    const dir = db({ zeta: 'https://z.example/zeta.git', alpha: null })
    expect(registryFolders(dir)).toEqual([
      { handle: 'alpha', url: join(dir, 'alpha') },
      { handle: 'zeta', url: 'https://z.example/zeta.git' },
    ])
    expect(originUrl(join(dir, 'zeta'))).toBe('https://z.example/zeta.git')
  })

  test('a config naming none: the first folder is the default, the others are added', () => {
    const dir = db({ beta: 'https://b/beta.git', alpha: 'https://a/alpha.git' })
    const r = withDiscovered({ default_registry: OFFICIAL, added_registries: [] }, [dir], true)
    expect(r.default_registry).toEqual({ handle: 'alpha', url: 'https://a/alpha.git' })
    expect(r.added_registries).toEqual([{ handle: 'beta', url: 'https://b/beta.git' }])
  })

  test('a config naming a registry keeps it; a ref without handle gets the handle of its clone', () => {
    const dir = db({ beta: 'https://b/beta.git', alpha: 'https://a/alpha.git' })
    const named = { default_registry: { handle: '', url: 'https://b/beta.git' }, added_registries: [{ handle: '', url: 'https://c/c.git' }] }
    const r = withDiscovered(named, [dir], false)
    expect(r.default_registry).toEqual({ handle: 'beta', url: 'https://b/beta.git' })
    expect(r.added_registries).toEqual([{ handle: '', url: 'https://c/c.git' }])
  })

  test('an empty or missing db folder changes nothing', () => {
    const config = { default_registry: OFFICIAL, added_registries: [] }
    expect(withDiscovered(config, ['/no/such/db', makeTempDir()], true)).toBe(config)
  })
})
