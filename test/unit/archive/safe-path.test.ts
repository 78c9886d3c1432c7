/** Pure entry-path checks: tables of paths and of entry sequences, no archive, no disk. */
import { describe, expect, test } from 'bun:test'
import { EntryGuard, normalizeEntryPath, splitEntryPath, type RawEntry } from '../../../src/archive/index.ts'
import { isZoiError } from '../../../src/errors.ts'

describe('splitEntryPath', () => {
  const accepted: Array<[string, string]> = [
    ['data/pkgstore/bin/hello', 'data/pkgstore/bin/hello'],
    ['./data/pkgstore/bin/hello', 'data/pkgstore/bin/hello'],
    ['././data//x/./y/', 'data/x/y'],
    ['manifest.yaml', 'manifest.yaml'],
    ['a..b/..c/d..', 'a..b/..c/d..'],
    ['.hidden/...', '.hidden/...'],
    ['./', ''],
    ['.', ''],
  ]
  test.each(accepted)('accepts %p as %p', (raw, normal) => {
    expect(splitEntryPath(raw)).toEqual(normal === '' ? [] : normal.split('/'))
  })

  const refused: Array<[string, string]> = [
    ['../../etc/passwd', "'..'"],
    ['data/../../x', "'..'"],
    ['data/..', "'..'"],
    ['..', "'..'"],
    ['/etc/passwd', 'absolute'],
    ['//server/share', 'absolute'],
    ['C:\\Windows\\x', 'backslash'],
    ['C:/Windows/x', 'absolute'],
    ['c:x', 'absolute'],
    ['\\\\server\\share\\x', 'backslash'],
    ['..\\..\\x', 'backslash'],
    ['data/a\0b', 'NUL'],
    [`data/${'x'.repeat(4100)}`, 'longer than 4096'],
    [Array.from({ length: 1100 }, () => 'd').join('/'), 'deeper'],
  ]
  test.each(refused)('refuses %p (%s)', (raw, reason) => {
    const result = splitEntryPath(raw)
    expect(typeof result).toBe('string')
    expect(result as string).toContain(reason)
  })

  test('normalizeEntryPath throws UNSAFE_PATH naming the archive', () => {
    expect(normalizeEntryPath('./a//b/')).toBe('a/b')
    try {
      normalizeEntryPath('../x', 'pkg.tar.zst')
      throw new Error('not refused')
    } catch (e) {
      expect(isZoiError(e, 'UNSAFE_PATH')).toBe(true)
      expect((e as Error).message).toContain('pkg.tar.zst')
    }
  })
})

const file = (path: string): RawEntry => ({ path, type: 'file', mode: 0o644, size: 1 })
const dir = (path: string): RawEntry => ({ path, type: 'directory', mode: 0o755, size: 0 })
const symlink = (path: string, linkTarget: string): RawEntry => ({ path, type: 'symlink', mode: 0o777, size: 0, linkTarget })
const hardlink = (path: string, linkTarget: string): RawEntry => ({ path, type: 'hardlink', mode: 0o644, size: 0, linkTarget })

/** Admit all but the last entry, which must be refused with a message containing `reason`. */
function expectLastRefused(entries: RawEntry[], reason: string): void {
  const guard = new EntryGuard('test.pkg.tar.zst')
  for (const e of entries.slice(0, -1)) guard.admit(e)
  try {
    guard.admit(entries.at(-1) as RawEntry)
  } catch (e) {
    expect(isZoiError(e, 'UNSAFE_PATH')).toBe(true)
    expect((e as Error).message).toContain(reason)
    return
  }
  throw new Error(`last entry of ${JSON.stringify(entries)} was admitted`)
}

describe('EntryGuard', () => {
  test('admits a normal package and normalises paths', () => {
    const guard = new EntryGuard('x')
    const admitted = [
      dir('./'),
      file('./manifest.yaml'),
      dir('data/'),
      file('data/pkgstore/bin/hello'),
      symlink('data/pkgstore/bin/hi', 'hello'),
      symlink('data/pkgstore/lib/libx.so', '../bin/../lib/libx.so.1'),
      symlink('data/pkgstore/share/root-link', '../../..'),
      hardlink('data/pkgstore/bin/hello2', './data/pkgstore/bin/hello'),
      // A shared-library chain written in name order: each link points at a later one.
      symlink('data/pkgstore/lib/libz.so', 'libz.so.1'),
      symlink('data/pkgstore/lib/libz.so.1', 'libz.so.1.3'),
      file('data/pkgstore/lib/libz.so.1.3'),
    ].map((e) => guard.admit(e))
    expect(admitted[0]).toBeNull()
    expect(admitted.slice(1).map((e) => e?.path)).toEqual([
      'manifest.yaml',
      'data',
      'data/pkgstore/bin/hello',
      'data/pkgstore/bin/hi',
      'data/pkgstore/lib/libx.so',
      'data/pkgstore/share/root-link',
      'data/pkgstore/bin/hello2',
      'data/pkgstore/lib/libz.so',
      'data/pkgstore/lib/libz.so.1',
      'data/pkgstore/lib/libz.so.1.3',
    ])
    expect(admitted[7]?.linkTarget).toBe('data/pkgstore/bin/hello')
  })

  const refusedSequences: Array<[string, RawEntry[], string]> = [
    ['file through an earlier symlink', [symlink('lib', 'data'), file('lib/x')], "symlink 'lib'"],
    ['file through a symlink of other letter case', [symlink('Lib', 'data'), file('lib/x')], "symlink 'lib'"],
    ['symlink to an absolute path', [symlink('etc', '/etc')], 'absolute'],
    ['symlink escaping with ..', [symlink('a/b', '../../x')], 'outside the archive root'],
    ['symlink escaping through an earlier symlink', [symlink('d/up', '..'), symlink('d/l2', 'up/..')], 'outside'],
    ['symlink that re-points an earlier link outside', [symlink('a/b/l2', 'l/../../..'), symlink('a/b/l', '..')], "earlier link 'a/b/l2' outside"],
    ['symlink that re-points an earlier link to a later escape', [symlink('lib.so', 'lib.so.1'), symlink('lib.so.1', 'x/../..')], 'outside'],
    ['symlink chain re-pointed outside by a later link', [symlink('d/lib.so', 'lib.so.1'), symlink('d/lib.so.1', 'up/../../y'), symlink('d/up', '..')], "earlier link 'd/lib.so.1' outside"],
    ['symlink loop', [symlink('x', 'y'), symlink('y', 'x')], 'loop'],
    ['symlink with an empty target', [symlink('x', '')], 'without a target'],
    ['hard link outside', [hardlink('h', '../../etc/passwd')], "'..'"],
    ['hard link to an absolute path', [hardlink('h', '/etc/passwd')], 'absolute'],
    ['hard link to a path not seen yet', [hardlink('h', 'later')], 'not an earlier file'],
    ['hard link to a directory', [dir('d'), hardlink('h', 'd')], 'not an earlier file'],
    ['hard link to a symlink', [symlink('s', 'x'), hardlink('h', 's')], 'not an earlier file'],
    ['the same file twice', [file('a'), file('./a')], 'twice'],
    ['a file replacing a symlink', [symlink('a', 'b'), file('a')], 'twice'],
    ['a file replacing a directory', [dir('a'), file('a')], 'directory'],
    ['a symlink replacing an implicit directory', [file('a/x'), symlink('a', '/etc')], 'directory'],
    ['a directory replacing a file', [file('a'), dir('a')], 'into a directory'],
    ['a file below a file', [file('a'), file('a/b')], "file 'a'"],
    ['the root as a symlink', [symlink('./', 'x')], 'root'],
    ['a relative symlink differing from a directory only in letter case', [dir('data/lib'), symlink('data/LIB', 'x')], 'letter case'],
    ['a symlink with an over-long target', [symlink('l', 'x/'.repeat(2100))], 'longer than 4096'],
  ]
  test.each(refusedSequences)('refuses %s', (_name, entries, reason) => {
    expectLastRefused(entries, reason)
  })

  test('forward references that become files or directories stay accepted', () => {
    const guard = new EntryGuard('x')
    guard.admit(symlink('a/to-later', '../later/file'))
    guard.admit(symlink('a/to-dir', '../later'))
    guard.admit(file('later/file'))
    expect(guard.admit(symlink('b', 'later/file'))?.linkTarget).toBe('later/file')
  })

  test('a flood of links to deep unknown paths is cut off instead of exhausting memory', () => {
    const deep = Array.from({ length: 1000 }, (_, i) => `s${i % 10}`).join('/')
    const entries = Array.from({ length: 2000 }, (_, i) => symlink(`l${i}`, `x${i}/${deep}`))
    const guard = new EntryGuard('x')
    const error = (() => {
      try {
        for (const e of entries) guard.admit(e)
      } catch (e) {
        return e as Error
      }
    })()
    expect(error?.message).toContain('too many links to check')
  })
})
