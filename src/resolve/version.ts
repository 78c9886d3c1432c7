/**
 * Version strings and their total order.
 *
 * Where a string is semver, the order is semver's (build metadata ignored). Other strings
 * degrade like this, in comparison order:
 *  1. Strings that do not start with a digit (`nightly`, `latest`) sort below every numeric
 *     version and among themselves by plain string order.
 *  2. A leading `v` is ignored (`v1.2.3` = `1.2.3`).
 *  3. The dotted release is compared number by number, missing parts count as 0
 *     (`1.2` = `1.2.0`, `2024.01.05` = `2024.1.5`); numbers of any length are exact.
 *  4. A single letter glued to the release is a post-release letter, as in OpenSSL and apk
 *     (`3.0.0` < `3.0.0a` < `3.0.0b` < `3.0.1`).
 *  5. A pre-release sorts below its release: `-…` is a semver pre-release; a glued or `.`/`_`
 *     separated word other than a post word is one too (`1.0rc1` = `1.0-rc.1`, `3.0.0a1` =
 *     `3.0.0-alpha.1`). Pre-release identifiers compare like semver's.
 *  6. A post word (`p`, `pl`, `post`, `patch`) or a `_`-separated number sorts above its release
 *     (`1.0` < `1.0_p1` < `1.0_p2` < `1.0.1`; `2.4.1_2` is a port revision of `2.4.1`).
 */

export interface Version {
  readonly raw: string
  /** False for strings that do not start with a digit (after an optional `v`). */
  readonly numeric: boolean
  /** Release numbers as digit strings without leading zeros. */
  readonly release: readonly string[]
  /** Post-release letter (`a` in `1.1.1a`), or ''. */
  readonly letter: string
  /** Pre-release identifiers, or null for a release. */
  readonly pre: readonly string[] | null
  /** Post-release numbers, or null when there is no post word. */
  readonly post: readonly string[] | null
}

const POST_WORDS = new Set(['p', 'pl', 'post', 'patch'])
const PRE_ALIASES: Record<string, string> = { a: 'alpha', b: 'beta', c: 'rc', pre: 'rc', preview: 'rc' }
const HEAD = /^v?(\d+(?:\.\d+)*)(?:([a-z])(?![a-z0-9]))?/i

export function parseVersion(text: string | Version): Version {
  if (typeof text !== 'string') return text
  const raw = text.trim()
  const noBuild = raw.split('+', 1)[0] ?? ''
  const head = HEAD.exec(noBuild)
  if (!head) return { raw, numeric: false, release: [], letter: '', pre: null, post: null }
  const release = (head[1] ?? '').split('.').map(stripZeros)
  const letter = (head[2] ?? '').toLowerCase()
  const rest = noBuild.slice(head[0].length)
  if (rest === '') return { raw, numeric: true, release, letter, pre: null, post: null }
  if (rest.startsWith('-')) {
    const pre = rest.slice(1).split('.').map((id) => (/^\d+$/.test(id) ? stripZeros(id) : id))
    return { raw, numeric: true, release, letter, pre, post: null }
  }
  const tokens = (rest.toLowerCase().match(/[a-z]+|\d+/g) ?? []).map((t) => (/^\d/.test(t) ? stripZeros(t) : t))
  const first = tokens[0]
  if (first !== undefined && (POST_WORDS.has(first) || /^\d/.test(first))) {
    return { raw, numeric: true, release, letter, pre: null, post: tokens.filter((t) => /^\d/.test(t)) }
  }
  const pre = tokens.map((t) => PRE_ALIASES[t] ?? t)
  return { raw, numeric: true, release, letter, pre: pre.length > 0 ? pre : null, post: null }
}

/** Total order on versions: negative, zero or positive like a sort comparator. */
export function compareVersions(left: string | Version, right: string | Version): number {
  const a = parseVersion(left)
  const b = parseVersion(right)
  if (a.numeric !== b.numeric) return a.numeric ? 1 : -1
  if (!a.numeric) return compareText(a.raw, b.raw)
  return (
    compareRelease(a.release, b.release) ||
    compareText(a.letter, b.letter) ||
    comparePre(a.pre, b.pre) ||
    comparePost(a.post, b.post)
  )
}

/** Same order as compareVersions, but only identical strings tie: for deterministic sorting. */
export function compareVersionsStrictly(left: string | Version, right: string | Version): number {
  const a = parseVersion(left)
  const b = parseVersion(right)
  return compareVersions(a, b) || compareText(a.raw, b.raw)
}

export function isPrerelease(version: string | Version): boolean {
  return parseVersion(version).pre !== null
}

/** The release numbers without trailing zeros, plus the letter: what `1.2` and `1.2.0` share. */
export function releaseKey(version: string | Version): string {
  const v = parseVersion(version)
  const parts = [...v.release]
  while (parts.length > 1 && parts[parts.length - 1] === '0') parts.pop()
  return parts.join('.') + v.letter
}

function stripZeros(digits: string): string {
  return digits.replace(/^0+(?=\d)/, '')
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareNumbers(a: string, b: string): number {
  return a.length - b.length || compareText(a, b)
}

function compareRelease(a: readonly string[], b: readonly string[]): number {
  const length = Math.max(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const order = compareNumbers(a[i] ?? '0', b[i] ?? '0')
    if (order !== 0) return order
  }
  return 0
}

/** Semver §11: a release beats its pre-releases; identifiers compare numerically or by ASCII. */
function comparePre(a: readonly string[] | null, b: readonly string[] | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a[i] ?? ''
    const y = b[i] ?? ''
    const xNum = /^\d+$/.test(x)
    const yNum = /^\d+$/.test(y)
    const order = xNum && yNum ? compareNumbers(x, y) : xNum !== yNum ? (xNum ? -1 : 1) : compareText(x, y)
    if (order !== 0) return order
  }
  return a.length - b.length
}

function comparePost(a: readonly string[] | null, b: readonly string[] | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const order = compareNumbers(a[i] ?? '0', b[i] ?? '0')
    if (order !== 0) return order
  }
  return a.length - b.length
}
