/**
 * The symlinks of one archive and where they lead, as pure string logic. A link is resolved the
 * way the kernel would resolve it in a fresh root that holds only the entries seen so far: `..`
 * pops a level, other links are substituted. Because archives may point at links that come later
 * (`libz.so -> libz.so.1` before `libz.so.1 -> libz.so.1.3`), every not-yet-seen path a
 * resolution walks through is remembered, and links through it are resolved again if it turns
 * into a link. All paths here are folded keys (see EntryGuard).
 */

export type Escape = 'outside' | 'loop' | 'too-complex'
export type Resolution = 'inside' | Escape

/** Same bound as the kernel's symlink resolution (ELOOP). */
const MAX_HOPS = 40
/** Segments one resolution may walk; real links need a handful. */
const MAX_STEPS = 4096
/**
 * Characters of path keys built over the whole archive. Bounds the CPU and memory a hostile
 * archive can spend on link checks (100k ordinary links need a few million).
 */
const MAX_WORK = 64 * 1024 * 1024

interface Link {
  base: string[]
  target: string[]
}

export class SymlinkMap {
  readonly #links = new Map<string, Link>()
  /** Not-yet-seen path → links whose resolution walked through it. */
  readonly #pending = new Map<string, Set<string>>()
  readonly #isKnown: (key: string) => boolean
  #work = 0

  /** `isKnown(key)`: whether the archive already has an entry (of any kind) at that key. */
  constructor(isKnown: (key: string) => boolean) {
    this.#isKnown = isKnown
  }

  has(key: string): boolean {
    return this.#links.has(key)
  }

  /**
   * Record the link at `key` (in directory `base`) pointing to relative `target`. Returns the
   * first link that no longer stays inside the root (this one, or an earlier one re-pointed by
   * it) and why; undefined when all are fine.
   */
  add(key: string, base: string[], target: string[]): { link: string; result: Escape } | undefined {
    this.#links.set(key, { base, target })
    const own = this.#resolve(key)
    if (own !== 'inside') return { link: key, result: own }
    const earlier = this.#pending.get(key)
    // A link cannot be replaced later, so nothing more will ever change at this path.
    this.#pending.delete(key)
    for (const other of earlier ?? []) {
      const result = this.#resolve(other)
      if (result !== 'inside') return { link: other, result }
    }
    return undefined
  }

  /** The path at `key` became a file or directory: it can never turn into a link now. */
  settle(key: string): void {
    this.#pending.delete(key)
  }

  #resolve(linkKey: string): Resolution {
    const link = this.#links.get(linkKey) as Link
    // keys[i] is the key of the first i+1 segments of the current position.
    const keys: string[] = []
    for (const seg of link.base) keys.push(keys.length === 0 ? seg : `${keys[keys.length - 1]}/${seg}`)
    const queue = [...link.target]
    let hops = 0
    let steps = 0
    while (queue.length > 0) {
      if (++steps > MAX_STEPS) return 'too-complex'
      const seg = queue.shift() as string
      if (seg === '' || seg === '.') continue
      if (seg === '..') {
        if (keys.length === 0) return 'outside'
        keys.pop()
        continue
      }
      const key = keys.length === 0 ? seg : `${keys[keys.length - 1]}/${seg}`
      this.#work += key.length
      if (this.#work > MAX_WORK) return 'too-complex'
      const next = this.#links.get(key)
      if (next !== undefined) {
        if (++hops > MAX_HOPS) return 'loop'
        queue.unshift(...next.target)
        continue
      }
      keys.push(key)
      if (!this.#isKnown(key)) {
        const users = this.#pending.get(key) ?? new Set<string>()
        this.#pending.set(key, users.add(linkKey))
      }
    }
    return 'inside'
  }
}
