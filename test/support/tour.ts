/**
 * docs/tour.md as an executable transcript: every ```console block holds `$ command` lines,
 * each followed by what it printed (stdout and stderr as a terminal interleaves them, without
 * a TTY). `replayTour` runs the commands in a fresh HOME with the bundled example registry at
 * ~/tour/registry and returns the transcript as it is today, with volatile parts normalised.
 */
import { cpSync, mkdirSync, symlinkSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { makeTempDir, runCommand, ZOI_BIN } from './run-cli.ts'

export const TOUR_FILE = resolve(import.meta.dir, '../../docs/tour.md')
const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')

export interface TourBlock {
  /** Offsets of the block's body in the markdown (between the fences). */
  start: number
  end: number
  commands: string[]
  /** The block's text as written. */
  text: string
}

export function tourBlocks(markdown: string): TourBlock[] {
  const blocks: TourBlock[] = []
  for (const m of markdown.matchAll(/```console\n([\s\S]*?)```/g)) {
    const start = m.index! + '```console\n'.length
    const text = m[1]!
    const commands = text.split('\n').filter((l) => l.startsWith('$ ')).map((l) => l.slice(2))
    blocks.push({ start, end: start + text.length, commands, text })
  }
  return blocks
}

/** Temp paths, commit ids, random folder names and dates made stable. */
export function normalise(text: string, home: string): string {
  return text
    .replaceAll(home, '~')
    .replace(/build-[A-Za-z0-9]{6}/g, 'build-XXXXXX')
    .replace(/\b[0-9a-f]{32}-/g, '<id>-')
    .replace(/updated at [0-9a-f]{10}/g, 'updated at <commit>')
    .replace(/sha512 [0-9a-f]{16}…/g, 'sha512 <hash>…')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, 'YYYY-MM-DD hh:mm:ss')
    .replace(/\(\d{4}-\d\d-\d\d\)/g, '(YYYY-MM-DD)')
}

/** Runs every block's commands in order in one fresh HOME; returns each block's new text. */
export async function replayTour(blocks: readonly TourBlock[]): Promise<string[]> {
  const home = makeTempDir('zoi-tour-')
  const tour = join(home, 'tour')
  const bin = join(home, '.local/bin')
  mkdirSync(bin, { recursive: true })
  cpSync(EXAMPLES, join(tour, 'registry'), { recursive: true })
  symlinkSync(ZOI_BIN, join(bin, 'zoi'))
  // As a user who followed the PATH advice: zoi and the commands it installs are found by name.
  const PATH = `${bin}:${join(home, '.zoi/pkgs/bin')}:/usr/local/bin:/usr/bin:/bin`
  const out: string[] = []
  for (const block of blocks) {
    let text = ''
    for (const command of block.commands) {
      const r = await runCommand(['bash', '-c', `${command} 2>&1`], { home, cwd: tour, env: { PATH, COLUMNS: '80' } })
      text += `$ ${command}\n${normalise(r.stdout, home)}`
    }
    out.push(text)
  }
  return out
}
