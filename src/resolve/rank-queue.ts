/**
 * The solver's agenda: package keys waiting for a decision, lowest decision rank first (ties by
 * key, so the order is total). A binary heap with lazy deletion: entries are never removed
 * when they stop being relevant; `peek` drops the stale ones it meets. Pushing a key twice is
 * harmless, which is what lets backtracking simply push a key again when it is undone.
 */

export interface RankQueue {
  push(key: string, rank: number): void
  /** The first key that is still `wanted`, left in the queue; undefined when none is. */
  peek(wanted: (key: string) => boolean): string | undefined
}

interface Item {
  readonly key: string
  readonly rank: number
}

export function createRankQueue(): RankQueue {
  const heap: Item[] = []
  const before = (a: Item, b: Item) => a.rank < b.rank || (a.rank === b.rank && a.key < b.key)
  const swap = (i: number, j: number) => {
    ;[heap[i], heap[j]] = [heap[j] as Item, heap[i] as Item]
  }
  const up = (i: number) => {
    for (let parent = (i - 1) >> 1; i > 0 && before(heap[i] as Item, heap[parent] as Item); i = parent, parent = (i - 1) >> 1) {
      swap(i, parent)
    }
  }
  const down = (i: number) => {
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let first = i
      if (left < heap.length && before(heap[left] as Item, heap[first] as Item)) first = left
      if (right < heap.length && before(heap[right] as Item, heap[first] as Item)) first = right
      if (first === i) return
      swap(i, first)
      i = first
    }
  }
  return {
    push(key, rank) {
      heap.push({ key, rank })
      up(heap.length - 1)
    },
    peek(wanted) {
      while (heap.length > 0 && !wanted((heap[0] as Item).key)) {
        const last = heap.pop() as Item
        if (heap.length === 0) break
        heap[0] = last
        down(0)
      }
      return heap[0]?.key
    },
  }
}
