/**
 * removeTree: `rm -r`, with the files of a large tree deleted by worker threads first. The tree
 * goes whole either way; a link is deleted, never followed.
 */
import { afterAll, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removeTree } from '../../../src/platform/remove-tree.ts'

const base = mkdtempSync(join(tmpdir(), 'zoi-remove-tree-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))

/** `folders` folders of `each` files, one nested folder deeper, and links to `outside`. */
function makeTree(name: string, folders: number, each: number, outside: string): string {
  const root = join(base, name)
  for (let d = 0; d < folders; d++) {
    const dir = join(root, `d${d}`, 'inner')
    mkdirSync(dir, { recursive: true })
    for (let f = 0; f < each; f++) writeFileSync(join(dir, `f${f}`), 'x')
  }
  mkdirSync(join(root, 'empty/deeper'), { recursive: true })
  writeFileSync(join(root, 'top-file'), 'x')
  symlinkSync(outside, join(root, 'd0/inner/link-to-outside'))
  symlinkSync(join(outside, 'kept'), join(root, 'link-to-file'))
  return root
}

function outsideFolder(name: string): string {
  const dir = join(base, name)
  mkdirSync(dir)
  writeFileSync(join(dir, 'kept'), 'mine')
  return dir
}

test('a large tree: every file deleted by the worker threads, then the folders; what links point to is untouched', async () => {
  const outside = outsideFolder('outside-large')
  const root = makeTree('large', 30, 150, outside)
  // 30 × 150 files, the top file and the two links: all deleted by the threads.
  expect(await removeTree(root)).toBe(30 * 150 + 3)
  expect(existsSync(root)).toBe(false)
  expect(readdirSync(outside)).toEqual(['kept'])
})

test('a small tree is removed by one rm -r (no threads), links not followed', async () => {
  const outside = outsideFolder('outside-small')
  const root = makeTree('small', 3, 10, outside)
  expect(await removeTree(root)).toBe(0)
  expect(existsSync(root)).toBe(false)
  expect(readdirSync(outside)).toEqual(['kept'])
})

test('a link to a large folder: the link goes, the folder and its files stay', async () => {
  const target = makeTree('linked', 30, 150, outsideFolder('outside-linked'))
  const link = join(base, 'link-to-large')
  symlinkSync(target, link)
  expect(await removeTree(link)).toBe(0)
  expect(existsSync(link)).toBe(false)
  expect(readdirSync(join(target, 'd0/inner')).length).toBe(151)
})

test('a missing path and a plain file', async () => {
  expect(await removeTree(join(base, 'nothing-here'))).toBe(0)
  const file = join(base, 'plain')
  writeFileSync(file, 'x')
  expect(await removeTree(file)).toBe(0)
  expect(existsSync(file)).toBe(false)
})
