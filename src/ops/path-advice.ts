/**
 * After the first install into a bin folder that is not on PATH, say once how to add it, per
 * shell (as rustup does). "Once" is a note in the installed db, so it holds per root and user.
 */
import { existsSync, readdirSync } from 'node:fs'
import { delimiter, resolve } from 'node:path'
import type { Context } from '../context.ts'
import { InstalledDb, readNote, writeNote } from '../store/index.ts'

const NOTE = 'path-advice-shown'

export function binDirOnPath(binDir: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((p) => p !== '' && resolve(p) === resolve(binDir))
}

export interface PathAdvice {
  binDir: string
  shells: { shell: string; command: string }[]
}

/**
 * The advice, the first time it applies (commands were installed, their folder is not on
 * PATH, no --root); undefined otherwise. Marks it shown unless `peek`.
 */
export function takePathAdvice(ctx: Context, opts: { peek?: boolean } = {}): PathAdvice | undefined {
  const { layout } = ctx
  if (layout.root !== null || !existsSync(layout.installedDb) || binDirOnPath(layout.binDir)) return undefined
  if (!existsSync(layout.binDir) || readdirSync(layout.binDir).length === 0) return undefined
  const db = InstalledDb.open(layout.installedDb)
  try {
    if (readNote(db, NOTE)) return undefined
    if (!opts.peek) writeNote(db, NOTE, new Date().toISOString())
  } finally {
    db.close()
  }
  const shown = layout.binDir.startsWith(`${layout.home}/`) ? `$HOME/${layout.binDir.slice(layout.home.length + 1)}` : layout.binDir
  return {
    binDir: layout.binDir,
    shells: [
      { shell: 'bash', command: `echo 'export PATH="${shown}:$PATH"' >> ~/.bashrc` },
      { shell: 'zsh', command: `echo 'export PATH="${shown}:$PATH"' >> ~/.zshrc` },
      { shell: 'fish', command: `fish_add_path ${shown.replace('$HOME', '~')}` },
    ],
  }
}
