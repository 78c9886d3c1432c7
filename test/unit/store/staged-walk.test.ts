import { afterAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import { silent } from '../../../src/progress.ts'
import { extractForInstall, type ExtractedArchive } from '../../../src/store/index.ts'
import { stageArchive, walkTree, type StagedEntry } from '../../../src/store/staged-archive.ts'
import { writeTarZst, type TarSpec } from '../../support/make-archive.ts'
import { removeTempDirs, rootLayout, tempDir } from './store-fixtures.ts'

afterAll(removeTempDirs)

// Folders given and implied, odd modes, a hard link, a symlink, a set-group-id file, and two
// sub-packages whose pkgstore folders merge.
const ENTRIES: TarSpec[] = [
  { name: 'multi.pkg.lua', content: 'metadata({ name = "multi", version = "1.0.0" })\n' },
  { name: 'data/pkgstore/bin/', type: 'directory', mode: 0o750 },
  { name: 'data/pkgstore/bin/tool', content: '#!/bin/sh\n', mode: 0o755 },
  { name: 'data/pkgstore/bin/tool-again', type: 'link', linkname: 'data/pkgstore/bin/tool' },
  { name: 'data/pkgstore/bin/sgid', content: 'sgid\n', mode: 0o2755 },
  { name: 'data/pkgstore/share/a.b', content: 'secret\n', mode: 0o600 },
  { name: 'data/pkgstore/share/a/deep/file', content: 'deep\n' },
  { name: 'data/pkgstore/share/link', type: 'symlink', linkname: 'a.b' },
  { name: 'data/doc/pkgstore/share/doc/README', content: 'read me\n', mode: 0o444 },
  { name: 'data/doc/usrhome/.config/multi/rc', content: 'rc\n' },
  { name: 'data/usrroot/etc/multi.conf', content: 'a = 1\n', mode: 0o640 },
  { name: 'data/usrroot/etc/multi.d/', type: 'directory', mode: 0o700 },
]

async function extracted(): Promise<ExtractedArchive> {
  const archive = join(tempDir('zoi-walk-'), 'multi-1.0.0-linux-amd64.pkg.tar.zst')
  await writeTarZst(archive, ENTRIES)
  return extractForInstall(rootLayout().layout, archive)
}

const shape = (entries: StagedEntry[]) => entries.map(({ rel, type, size, mode }) => ({ rel, type, size, mode }))

test("the staged tree from the extraction's own record is the tree a stat of every entry gives", async () => {
  const [told, statted] = [await extracted(), await extracted()]
  const written = (path: string) => told.writtenFiles.get(path)
  const fromRecord = stageArchive(join(told.stage, 'archive'), join(told.stage, 'version'), [], 'multi.pkg.lua', silent, written)
  const fromStat = stageArchive(join(statted.stage, 'archive'), join(statted.stage, 'version'), [], 'multi.pkg.lua', silent)
  expect(shape(fromRecord.usrroot)).toEqual(shape(fromStat.usrroot))
  expect(shape(fromRecord.usrhome)).toEqual(shape(fromStat.usrhome))
  expect(fromRecord.usrroot.find((e) => e.rel === 'etc/multi.conf')).toMatchObject({ type: 'file', size: 6, mode: 0o640 })

  const lookup = (rel: string) => fromRecord.storeSources.map((s) => written(s + rel)).find((w) => w !== undefined)
  const walked = walkTree(fromRecord.versionDir, lookup)
  expect(walked).toEqual(walkTree(fromRecord.versionDir))
  expect(shape(walked)).toEqual(shape(walkTree(fromStat.versionDir)))
  // Parents before children, each folder's entries by name ('a' and its content before 'a.b').
  expect(walked.map((e) => e.rel)).toEqual([
    'bin', 'bin/sgid', 'bin/tool', 'bin/tool-again',
    'share', 'share/a', 'share/a/deep', 'share/a/deep/file', 'share/a.b', 'share/doc', 'share/doc/README', 'share/link',
  ])
  expect(walked.find((e) => e.rel === 'bin/tool-again')).toMatchObject({ type: 'file', size: 10, mode: 0o755 })
})

test("a file the extraction recorded is not stat'ed again, unless it has a set-id bit the kernel may have dropped", async () => {
  const staged = await extracted()
  const dir = join(staged.stage, 'archive', 'data', 'pkgstore')
  const claimed = walkTree(dir, () => ({ size: 999, mode: 0o600 }))
  expect(claimed.find((e) => e.rel === 'bin/tool')).toMatchObject({ size: 999, mode: 0o600 })
  // Folders and links are always stat'ed.
  expect(claimed.find((e) => e.rel === 'bin')).toMatchObject({ type: 'dir', mode: 0o750 })
  expect(claimed.find((e) => e.rel === 'share/link')).toMatchObject({ type: 'link', size: 0 })
  const sgid = walkTree(dir, () => ({ size: 999, mode: 0o2755 })).find((e) => e.rel === 'bin/sgid')
  expect(sgid).toMatchObject({ size: 5 })
})
