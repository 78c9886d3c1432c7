/**
 * Pull-based reading of a chunked byte source (the zstd decoder's output): exact-size blocks
 * for headers, and pieces of content handed out as views of the source's chunks, never copied.
 * Only a header that straddles two chunks is assembled into a buffer of its own.
 */

export class ByteReader {
  #chunk: Uint8Array = new Uint8Array(0)
  #at = 0
  #done = false

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** The next chunk's bytes; false at the end of the source. */
  async #fill(): Promise<boolean> {
    while (this.#at >= this.#chunk.length) {
      if (this.#done) return false
      const next = await this.source.next()
      if (next.done) {
        this.#done = true
        return false
      }
      this.#chunk = next.value
      this.#at = 0
    }
    return true
  }

  /**
   * Exactly `n` bytes (valid until the next call), or null when the source ended before the
   * first of them. Ending part way is an error: the data was cut off.
   */
  async take(n: number): Promise<Uint8Array | null> {
    if (!(await this.#fill())) return null
    if (this.#chunk.length - this.#at >= n) {
      const view = this.#chunk.subarray(this.#at, this.#at + n)
      this.#at += n
      return view
    }
    const out = new Uint8Array(n)
    let have = 0
    while (have < n) {
      if (!(await this.#fill())) throw new Error('Unexpected end of data')
      const piece = this.#chunk.subarray(this.#at, this.#at + n - have)
      out.set(piece, have)
      have += piece.length
      this.#at += piece.length
    }
    return out
  }

  /** Up to `max` (> 0) bytes, as they come in the source; the source ending is an error. */
  async piece(max: number): Promise<Uint8Array> {
    if (!(await this.#fill())) throw new Error('Unexpected end of data')
    const view = this.#chunk.subarray(this.#at, this.#at + max)
    this.#at += view.length
    return view
  }

  /** Pass over `n` bytes. */
  async skip(n: number): Promise<void> {
    while (n > 0) n -= (await this.piece(n)).length
  }
}
