/**
 * "Did you mean": the known words closest to a mistyped one, by edit distance (insertions,
 * deletions, substitutions and swaps of neighbours each cost 1), the way git and cargo suggest.
 */

/** Optimal-string-alignment distance between two words. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = d
    }
  }
  return rows[a.length]![b.length]!
}

/**
 * Up to `limit` candidates close enough to `word` to be what was meant, closest first.
 * "Close enough" grows with the word (a third of its length, at least 1, at most 3), and a
 * candidate that starts with the word (`instal` → `install`) always counts.
 */
export function closestNames(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const w = word.toLowerCase()
  const budget = Math.min(3, Math.max(1, Math.floor(w.length / 3)))
  const scored: { name: string; d: number }[] = []
  for (const name of new Set(candidates)) {
    if (name === word) continue
    const n = name.toLowerCase()
    const d = n.startsWith(w) && w.length >= 3 ? 0.5 : editDistance(w, n)
    if (d <= budget) scored.push({ name, d })
  }
  return scored.sort((x, y) => x.d - y.d || x.name.localeCompare(y.name)).slice(0, limit).map((s) => s.name)
}

/** `did you mean 'a' or 'b'?`, or undefined when there is nothing to suggest. */
export function didYouMean(word: string, candidates: Iterable<string>, quote = (s: string) => `'${s}'`): string | undefined {
  const near = closestNames(word, candidates)
  if (near.length === 0) return undefined
  const listed = near.map(quote)
  return `did you mean ${listed.length > 1 ? `${listed.slice(0, -1).join(', ')} or ${listed[listed.length - 1]}` : listed[0]}?`
}
