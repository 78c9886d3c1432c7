/**
 * Compatibility with real Zoi archives and standard tools, both ways: archives laid out and built
 * like Zoi's (GNU headers, no `./`, zstd without checksum) are read by our reader, and our
 * archives list and extract with `zstd -dc | tar` exactly as with our own extractor.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { chmodSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { extractArchive, listArchive, readArchiveMember, writeArchive } from '../../../src/archive/index.ts'
import { listTree, makeSandbox } from '../../support/make-archive.ts'

const tools = Bun.which('zstd') !== null && Bun.which('tar') !== null
if (!tools) console.warn('zoi-compat tests skipped: the `zstd` and GNU `tar` commands are not installed')

const sandbox = makeSandbox()
afterAll(sandbox.cleanup)

const longPath = `data/pkgstore/share/${'long-directory-name-'.repeat(6)}/file.txt`

/** A staging folder as `zoi package build` leaves it (SPEC §5, reference §3.1 step 7–8). */
function buildStaging(root: string): void {
  mkdirSync(join(root, 'data/pkgstore/bin'), { recursive: true })
  mkdirSync(join(root, longPath, '..'), { recursive: true })
  writeFileSync(join(root, 'data/pkgstore/bin/hello'), '#!/bin/sh\necho hello\n')
  chmodSync(join(root, 'data/pkgstore/bin/hello'), 0o755)
  writeFileSync(join(root, longPath), 'deep\n')
  symlinkSync('bin/hello', join(root, 'data/pkgstore/hello'))
  // Zoi joins with "\n  - " (not a valid YAML list); it is informational only.
  writeFileSync(join(root, 'manifest.yaml'), `data/pkgstore/bin/hello\n  - ${longPath}`)
  writeFileSync(join(root, 'hello.pkg.lua'), 'metadata({ name = "hello", version = "1.0.0" })\n')
}

function run(cmd: string): void {
  const result = Bun.spawnSync(['sh', '-c', cmd], { stderr: 'pipe', stdout: 'pipe' })
  if (result.exitCode !== 0) throw new Error(`${cmd} failed: ${result.stderr.toString()}`)
}

function output(cmd: string): string {
  const result = Bun.spawnSync(['sh', '-c', cmd], { stderr: 'pipe', stdout: 'pipe' })
  if (result.exitCode !== 0) throw new Error(`${cmd} failed: ${result.stderr.toString()}`)
  return result.stdout.toString()
}

/** Files, modes, contents and link targets of a tree, for comparing two extractions. */
function describeTree(root: string): string[] {
  return listTree(root).map((p) => {
    const st = lstatSync(join(root, p))
    const what = st.isSymbolicLink() ? `-> ${readlinkSync(join(root, p))}` : st.isDirectory() ? 'dir' : readFileSync(join(root, p), 'utf8')
    return `${p} ${(st.mode & 0o7777).toString(8)} ${what}`
  })
}

describe.skipIf(!tools)('Zoi archive compatibility', () => {
  const staging = join(sandbox.dir, 'staging')
  buildStaging(staging)

  test.each([
    ['GNU headers, names without ./, zstd without checksum (like tar-rs + zstd-rs)', 'tar --format=gnu -C "$S" -cf - manifest.yaml hello.pkg.lua data | zstd -q --no-check -o "$A"'],
    ['names with ./ and a ./ root entry, pax format', 'tar --format=pax -C "$S" -cf - . | zstd -q -o "$A"'],
  ])('reads an archive built with GNU tar and zstd: %s', async (_name, command) => {
    const archive = join(sandbox.dir, `hello-1.0.0-linux-amd64-${Math.random().toString(36).slice(2)}.pkg.tar.zst`)
    run(`S='${staging}' A='${archive}'; ${command}`)

    const entries = await listArchive(archive)
    expect(entries.map((e) => e.path).sort()).toEqual(listTree(staging))
    expect(entries.every((e) => !e.path.startsWith('./'))).toBe(true)
    expect(entries.find((e) => e.path === 'data/pkgstore/bin/hello')).toEqual({ path: 'data/pkgstore/bin/hello', type: 'file', mode: 0o755, size: 21 })
    expect(entries.find((e) => e.path === 'data/pkgstore/hello')?.linkTarget).toBe('bin/hello')

    const lua = await readArchiveMember(archive, 'hello.pkg.lua')
    expect(new TextDecoder().decode(lua)).toContain('version = "1.0.0"')
    expect(new TextDecoder().decode(await readArchiveMember(archive, './manifest.yaml'))).toContain(`  - ${longPath}`)

    const dest = join(sandbox.dir, `ours-${Math.random().toString(36).slice(2)}`)
    await extractArchive(archive, dest)
    expect(describeTree(dest)).toEqual(describeTree(staging))
  })

  test('our archive lists with `zstd -dc | tar -tf -` and extracts with GNU tar identically', async () => {
    const archive = join(sandbox.dir, 'written.pkg.tar.zst')
    const { entries } = await writeArchive(archive, staging)
    const listed = output(`zstd -dc '${archive}' | tar -tf -`).trim().split('\n')
    expect(listed).toEqual(entries.map((e) => (e.type === 'directory' ? `${e.path}/` : e.path)))
    // `zstd -t` checks frame and checksum independently of our decoder.
    run(`zstd -q -t '${archive}'`)

    const byTar = join(sandbox.dir, 'by-gnu-tar')
    mkdirSync(byTar)
    run(`zstd -dc '${archive}' | tar -xf - -C '${byTar}'`)
    const byUs = join(sandbox.dir, 'by-zoi')
    await extractArchive(archive, byUs)
    expect(describeTree(byUs)).toEqual(describeTree(byTar))
    expect(describeTree(byUs)).toEqual(describeTree(staging))
    run(`diff -r --no-dereference '${byTar}' '${byUs}'`)
  })
})
