/**
 * The journal of one change to a root, written to `<tmp>/<txid>.journal` BEFORE anything moves.
 * It names every path the change will create or replace (`steps`, undone in reverse order when
 * the change did not commit) and what to remove once it has committed (`after`, redone until
 * done). Every step is idempotent, so recovery may itself be interrupted and simply re-run.
 *
 * Paths are stored as `<kind>:<relative path>` against the layout's bases, like the db, so a
 * root that crashed during a `--root` install can be recovered from inside a chroot.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs'
import { readFile, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ZoiError, describeError } from '../errors.ts'
import type { Layout } from '../platform/layout.ts'
import { absolutePath, locate, type FileKind } from './store-paths.ts'

export type Step =
  /** Create a missing folder. Undo: remove it if empty. */
  | { op: 'mkdir'; path: string; mode: number }
  /** Move `from` (staging) to `path`, which did not exist. Undo: remove `path`. */
  | { op: 'create'; path: string; from: string }
  /** Move the existing `path` to `aside`, then `from` to `path`. Undo: put `aside` back. */
  | { op: 'replace'; path: string; from: string; aside: string }
  /** Point the symlink `path` at `target` by renaming a fresh link over it. Undo: point it back at `old`. */
  | { op: 'link'; path: string; target: string; old: string | null }

export type AfterStep =
  | { op: 'rm'; path: string }
  /** Remove a folder if it is empty. */
  | { op: 'rmdir'; path: string }
  /** Keep a user-modified file as `<path>.zoisave`. */
  | { op: 'save'; path: string }

export interface Journal {
  txid: string
  /**
   * change: a changeset (changeset.ts), committed once the db's transactions table holds
   * `txid`. Journals of older zoi versions: install: committed once a packages row carries
   * `txid`; remove: once none does.
   */
  action: 'change' | 'install' | 'remove'
  /** `#handle@repo/name@version`, for messages. */
  subject: string
  steps: Step[]
  after: AfterStep[]
}

/** Thrown at a test's fault point: the change stops as if the process had been killed there. */
export class SimulatedCrash extends Error {
  constructor(readonly point: string) {
    super(`simulated crash ${point}`)
  }
}

const SUFFIX = '.journal'

/** `<tmp>/<action>-<txid>.journal`: an uninstall's journal watches the txid its install wrote. */
export function journalFile(layout: Layout, journal: Pick<Journal, 'action' | 'txid'>): string {
  return join(layout.tmpDir, `${journal.action}-${journal.txid}${SUFFIX}`)
}

/** A transaction id: unique, and safe inside file names. */
export function newTxid(): string {
  return `${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`
}

/** Scratch name next to `path` for a link or a cross-filesystem copy being made. */
export function partPath(path: string, txid: string): string {
  return `${path}.zoi-part-${txid}`
}

export function asidePath(path: string, txid: string): string {
  return `${path}.zoi-old-${txid}`
}

/** Write the journal durably: file fsync'd, then renamed into place, then the folder fsync'd. */
export async function writeJournal(layout: Layout, journal: Journal): Promise<void> {
  const file = journalFile(layout, journal)
  const tmp = `${file}.tmp`
  const fd = openSync(tmp, 'w', 0o600)
  try {
    writeSync(fd, JSON.stringify(encode(journal, layout)))
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  await rename(tmp, file)
  syncFolder(layout.tmpDir)
}

export async function removeJournal(layout: Layout, journal: Journal): Promise<void> {
  await rm(journalFile(layout, journal), { force: true })
}

/** Journals left in `<tmp>` by changes that did not finish. */
export async function readJournals(layout: Layout): Promise<Journal[]> {
  const names = await readdir(layout.tmpDir).catch(() => [] as string[])
  const journals: Journal[] = []
  for (const name of names.filter((n) => n.endsWith(SUFFIX)).sort()) {
    const file = join(layout.tmpDir, name)
    try {
      journals.push(decode(JSON.parse(await readFile(file, 'utf8')), layout))
    } catch (e) {
      // Journals are renamed into place complete, so this one was not written by zoi.
      throw new ZoiError('INTEGRITY', `unreadable journal ${file}: ${describeError(e)}`, {
        hint: 'inspect it, then delete it to let zoi continue',
        cause: e,
      })
    }
  }
  return journals
}

function syncFolder(dir: string): void {
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // Some platforms cannot open a folder for fsync; the rename is still atomic.
  }
}

type PathField = 'path' | 'from' | 'aside'
const PATH_FIELDS: readonly PathField[] = ['path', 'from', 'aside']

function encode(journal: Journal, layout: Layout): Journal {
  const map = (step: Record<string, unknown>) => {
    const out = { ...step }
    for (const field of PATH_FIELDS) if (typeof out[field] === 'string') out[field] = encodePath(out[field] as string, layout)
    return out
  }
  return { ...journal, steps: journal.steps.map(map) as Step[], after: journal.after.map(map) as AfterStep[] }
}

function decode(raw: unknown, layout: Layout): Journal {
  const j = raw as Journal
  if (typeof j?.txid !== 'string' || !Array.isArray(j.steps) || !Array.isArray(j.after)) throw new Error('not a zoi journal')
  const map = (step: Record<string, unknown>) => {
    const out = { ...step }
    for (const field of PATH_FIELDS) if (typeof out[field] === 'string') out[field] = decodePath(out[field] as string, layout)
    return out
  }
  return { ...j, steps: j.steps.map(map) as Step[], after: j.after.map(map) as AfterStep[] }
}

function encodePath(abs: string, layout: Layout): string {
  const at = locate(abs, layout)[0]
  return at ? `${at.kind}:${at.path}` : `abs:${abs}`
}

function decodePath(text: string, layout: Layout): string {
  const cut = text.indexOf(':')
  const kind = text.slice(0, cut)
  const rel = text.slice(cut + 1)
  return kind === 'abs' ? rel : absolutePath({ kind: kind as FileKind, path: rel }, layout)
}
