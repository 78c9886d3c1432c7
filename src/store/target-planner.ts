/**
 * Planning where an install puts things, without touching the root: journal steps, the rows
 * to record and the conflicts found. Every target is resolved first (symlinked folders, `..`)
 * so that ownership and conflicts are judged on the real location, and under `--root` no
 * target may resolve outside the root.
 */
import { lstatSync, readlinkSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ZoiError } from '../errors.ts'
import type { Layout } from '../platform/layout.ts'
import type { InstalledDb } from './installed-db.ts'
import type { InstalledRow, OwnedFile } from './installed-schema.ts'
import { checkKey, type Snapshot } from './file-checks.ts'
import { asidePath, type Step } from './journal.ts'
import { absolutePath, FILE_KINDS, formatKey, isInside, kindBase, locate, resolvedPath, type Location } from './store-paths.ts'

export interface Conflict {
  path: string
  /** The installed package owning it; null when the file exists but nobody installed it. */
  owner: InstalledRow | null
  /** Two entries of this archive land on the same path (say `usrroot/home/a/.x` and `usrhome/.x`). */
  twice?: boolean
  /** Another package of the same changeset also installs this path. */
  alsoIn?: string
}

/**
 * What the packages of one changeset share while they are planned: the journal steps (one
 * journal for the whole set), the paths already claimed and the folders already to be made,
 * so that two packages of the set cannot claim one path and a folder is made once.
 */
export class SetPlan {
  readonly steps: Step[] = []
  readonly claimed = new Map<string, string>()
  readonly madeDirs = new Set<string>()
  /** Files moving from a leaving package to another of the set, as that package's cleanup names them. */
  readonly movedIn = new Set<string>()
  /**
   * @param leaving ids of the installed rows this set replaces or removes: a file one of them
   * owns may pass to another package of the set (pacman's file moving between packages) unless
   * its own new version claims it too (then `claimed` reports both).
   */
  constructor(readonly leaving: ReadonlySet<number> = new Set()) {}
}

export type Placement = 'create' | 'replace'

export class TargetPlanner {
  readonly steps: Step[]
  readonly files: OwnedFile[] = []
  readonly conflicts: Conflict[] = []
  /** Snapshots of recorded files known without reading them (`checkKey` → snapshot). */
  readonly checks = new Map<string, Snapshot>()
  /** Rows of the version being replaced, by `kind/path`. */
  readonly oldFiles: ReadonlyMap<string, OwnedFile>
  private readonly claimed: Map<string, string>
  private readonly madeDirs: Set<string>
  private readonly leaving: ReadonlySet<number>
  private readonly movedIn: Set<string>
  private readonly root: string | null

  constructor(
    readonly layout: Layout,
    readonly db: InstalledDb,
    readonly previous: InstalledRow | undefined,
    readonly txid: string,
    /** The package being planned, for conflicts between packages of one set. */
    readonly subject = '',
    shared = new SetPlan(),
  ) {
    this.steps = shared.steps
    this.claimed = shared.claimed
    this.madeDirs = shared.madeDirs
    this.leaving = shared.leaving
    this.movedIn = shared.movedIn
    const old = previous ? db.filesOf(previous) : []
    this.oldFiles = new Map(old.map((f) => [`${f.kind}/${f.path}`, f]))
    this.root = layout.root === null ? null : resolvedPath(layout.root)
  }

  /** The recorded location of a resolved path; refuses paths outside every base or the root. */
  locationOf(abs: string): Location {
    if (this.root !== null && !isInside(abs, this.root)) {
      throw new ZoiError('UNSAFE_PATH', `'${abs}' is outside the root ${this.root}`, {
        hint: 'a folder on the way is a symlink leading out of the root; point it inside the root',
      })
    }
    const at = locate(abs, this.layout)[0]
    if (!at) throw new ZoiError('UNSAFE_PATH', `'${abs}' is outside every folder zoi manages`)
    return at
  }

  /**
   * Make sure the folder `abs` will exist: each missing level becomes a journaled mkdir.
   * Returns true when this install creates it.
   */
  ensureFolder(abs: string, mode = 0o755): boolean {
    if (this.madeDirs.has(abs)) return true
    // A dangling symlink has no stat but is still in the way.
    const st = statOrNull(abs, true) ?? statOrNull(abs, false)
    if (st?.isDirectory()) return false
    if (st) {
      this.conflicts.push({ path: abs, owner: this.otherOwners(abs)[0] ?? null })
      return false
    }
    const parent = dirname(abs)
    if (parent !== abs) this.ensureFolder(parent)
    this.steps.push({ op: 'mkdir', path: abs, mode })
    this.madeDirs.add(abs)
    return true
  }

  /** Record a folder the package uses; zoi "created" it if it does now or did for the old version. */
  useFolder(abs: string, mode: number): void {
    const created = this.ensureFolder(abs, mode)
    const at = this.locationOf(abs)
    const wasCreated = this.oldFiles.get(`${at.kind}/${at.path}`)?.created ?? false
    this.files.push({ kind: at.kind, path: at.path, type: 'dir', created: created || wasCreated, hash: null })
  }

  /**
   * Claim the file or link at `abs` for this package. A path already there must belong to the
   * version being replaced, or to a package this set replaces or removes (the file moves to this
   * package); otherwise it is a conflict (owned by another package, or not installed by zoi at
   * all). A path another package records is a conflict even when missing.
   */
  claim(abs: string): Placement {
    const claimer = this.claimed.get(abs)
    if (claimer !== undefined) {
      this.conflicts.push(claimer === this.subject ? { path: abs, owner: null, twice: true } : { path: abs, owner: null, alsoIn: claimer })
      return 'create'
    }
    this.claimed.set(abs, this.subject)
    const others = this.otherOwners(abs)
    const staying = others.filter((p) => !this.leaving.has(p.id))
    const st = statOrNull(abs, false)
    if (staying.length > 0) this.conflicts.push({ path: abs, owner: staying[0]! })
    else if (others.length > 0 && st?.isDirectory()) this.conflicts.push({ path: abs, owner: others[0]! })
    else if (others.length > 0) for (const at of locate(abs, this.layout)) this.movedIn.add(absolutePath(at, this.layout))
    else if (st && (st.isDirectory() || !this.ownedBySelf(abs))) this.conflicts.push({ path: abs, owner: null })
    return st ? 'replace' : 'create'
  }

  /** Journal the move of staged `from` to `abs`. */
  place(abs: string, from: string, placement: Placement): void {
    this.steps.push(placement === 'replace' ? { op: 'replace', path: abs, from, aside: asidePath(abs, this.txid) } : { op: 'create', path: abs, from })
  }

  /** Journal pointing the symlink `abs` at `target`. */
  link(abs: string, target: string): void {
    let old: string | null = null
    try {
      old = readlinkSync(abs)
    } catch {
      // Not a symlink (or missing): nothing to point back at.
    }
    this.steps.push({ op: 'link', path: abs, target, old })
  }

  record(abs: string, type: 'file' | 'link', hash: string | null = null, check?: Snapshot): void {
    this.#add(this.locationOf(abs), type, hash, check)
  }

  /**
   * `record` of the entry `rel` (plain `/`-separated names) below the folder `dir`: the folder
   * is located once, not every file of a version folder again (a path search per file). When
   * another base lies inside `dir`, entries may belong to it: each is then located alone.
   */
  recordBelow(dir: string, rel: string, type: 'file' | 'link', hash: string | null = null, check?: Snapshot): void {
    let at = this.#located.get(dir)
    if (at === undefined) {
      const bases = FILE_KINDS.map((kind) => kindBase(kind, this.layout))
      at = bases.some((base) => base !== dir && isInside(base, dir)) ? null : this.locationOf(dir)
      this.#located.set(dir, at)
    }
    if (at === null) return this.record(join(dir, ...rel.split('/')), type, hash, check)
    this.#add({ kind: at.kind, path: at.path === '' ? rel : `${at.path}/${rel}` }, type, hash, check)
  }

  readonly #located = new Map<string, Location | null>()

  #add(at: Location, type: 'file' | 'link', hash: string | null, check: Snapshot | undefined): void {
    this.files.push({ kind: at.kind, path: at.path, type, created: false, hash })
    if (check) this.checks.set(checkKey(at.kind, at.path), check)
  }

  /** CONFLICT (exit 4) naming the first file and its owner, when any was found. */
  throwConflicts(subject: string): void {
    const [first, ...rest] = this.conflicts
    if (!first) return
    const where = first.twice
      ? 'is the target of two entries of the archive'
      : first.alsoIn !== undefined
        ? `is also installed by '${first.alsoIn}' in the same command`
        : first.owner
        ? `is owned by '${first.owner.name}' (${formatKey(first.owner)})`
        : 'exists on the filesystem'
    const more = rest.length > 0 ? ` (and ${rest.length} more)` : ''
    throw new ZoiError('CONFLICT', `cannot install '${subject}': '${first.path}' ${where}${more}`, {
      hint: first.twice
        ? 'the package is broken; report it to its maintainer'
        : first.alsoIn !== undefined
          ? 'install one of the two, not both'
          : first.owner
          ? `uninstall '${first.owner.name}' first`
          : 'move the file away (it was not installed by zoi), then try again',
      data: { conflicts: this.conflicts.map((c) => ({ path: c.path, owner: c.owner ? formatKey(c.owner) : null })) },
    })
  }

  private otherOwners(abs: string): InstalledRow[] {
    return locate(abs, this.layout)
      .flatMap((at) => this.db.ownersAt(at))
      .filter((p) => p.id !== this.previous?.id)
  }

  private ownedBySelf(abs: string): boolean {
    return locate(abs, this.layout).some((at) => {
      const f = this.oldFiles.get(`${at.kind}/${at.path}`)
      return f !== undefined && f.type !== 'dir'
    })
  }
}

function statOrNull(abs: string, follow: boolean) {
  try {
    return follow ? statSync(abs) : lstatSync(abs)
  } catch {
    return null
  }
}
