/**
 * Walks the frame and block headers of a zstd stream (RFC 8878 §3.1) without decoding it.
 * Why: the zstd decoder stream ends quietly when its input stops mid-frame, so a truncated
 * download would look like a short but valid archive. Walking the block headers is cheap
 * (a few bytes per 128 KiB block) and tells exactly whether the input ended on a frame boundary,
 * and whether anything but zstd frames follows the first one.
 */

const ZSTD_MAGIC = 0xfd2fb528
/** Skippable frames carry metadata; their magic is 0x184D2A50 … 0x184D2A5F. */
const SKIPPABLE_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
/** RFC 8878 §3.1.1.2.3: no block is larger than 128 KiB. */
const MAX_BLOCK = 128 * 1024

export class ZstdFrameError extends Error {}

/** What to do with the next bytes: gather `need` bytes and pass them to `then`, or skip `skip`. */
type Step = { need: number; then: (bytes: Uint8Array) => Step } | { skip: number; then: () => Step }

export class ZstdFrameWalker {
  #step: Step = { need: 4, then: (b) => this.#frameStart(b, true) }
  #gathered = new Uint8Array(16)
  #have = 0
  #seen = 0
  /** True right after a complete frame: the only place where the input may end. */
  #boundary = false

  /** Feed the next chunk of compressed input. Throws ZstdFrameError at the first bad header. */
  push(chunk: Uint8Array): void {
    let at = 0
    while (at < chunk.length) {
      const step = this.#step
      if ('skip' in step) {
        const n = Math.min(step.skip, chunk.length - at)
        at += n
        this.#seen += n
        this.#boundary = false
        step.skip -= n
        if (step.skip === 0) this.#step = step.then()
        continue
      }
      const n = Math.min(step.need - this.#have, chunk.length - at)
      this.#gathered.set(chunk.subarray(at, at + n), this.#have)
      this.#have += n
      at += n
      this.#seen += n
      this.#boundary = false
      if (this.#have === step.need) {
        this.#have = 0
        this.#step = step.then(this.#gathered.subarray(0, step.need))
      }
    }
  }

  /** Call after the last chunk. Throws unless the input ended exactly after a complete frame. */
  end(): void {
    if (this.#seen === 0) throw new ZstdFrameError('empty file, not a zstd archive')
    if (this.#seen < 4) throw new ZstdFrameError('not a zstd archive (shorter than the zstd magic)')
    if (!this.#boundary) throw new ZstdFrameError('truncated zstd stream (input ends inside a frame)')
  }

  #frameStart(b: Uint8Array, first: boolean): Step {
    const magic = readLE(b, 4)
    if (magic === ZSTD_MAGIC) return { need: 1, then: (d) => this.#frameHeader(d[0] as number) }
    if (first) throw new ZstdFrameError('not a zstd archive (expected magic 28 b5 2f fd)')
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      return { need: 4, then: (s) => skip(readLE(s, 4), () => this.#nextFrame()) }
    }
    throw new ZstdFrameError('unexpected data after the end of the zstd stream')
  }

  #frameHeader(descriptor: number): Step {
    if (descriptor & 0x08) throw new ZstdFrameError('corrupt zstd frame header (reserved bit set)')
    const sizeFlag = descriptor >> 6
    const singleSegment = (descriptor & 0x20) !== 0
    const checksum = (descriptor & 0x04) !== 0
    const dictBytes = [0, 1, 2, 4][descriptor & 0x03] as number
    const sizeBytes = sizeFlag === 0 ? (singleSegment ? 1 : 0) : (1 << sizeFlag)
    const rest = (singleSegment ? 0 : 1) + dictBytes + sizeBytes
    const blocks = (): Step => ({ need: 3, then: (h) => this.#block(h, checksum) })
    return skip(rest, blocks)
  }

  #block(h: Uint8Array, checksum: boolean): Step {
    const header = readLE(h, 3)
    const last = (header & 1) === 1
    const type = (header >> 1) & 3
    const size = header >>> 3
    if (type === 3) throw new ZstdFrameError('corrupt zstd block (reserved block type)')
    if (size > MAX_BLOCK) throw new ZstdFrameError('corrupt zstd block (block larger than 128 KiB)')
    const after = (): Step => {
      if (!last) return { need: 3, then: (n) => this.#block(n, checksum) }
      return checksum ? { skip: 4, then: () => this.#nextFrame() } : this.#nextFrame()
    }
    const body = type === 1 ? 1 : size // RLE blocks carry one byte, repeated `size` times
    return skip(body, after)
  }

  #nextFrame(): Step {
    this.#boundary = true
    return { need: 4, then: (b) => this.#frameStart(b, false) }
  }
}

/** A step skipping `n` bytes; with nothing to skip, the next step right away. */
function skip(n: number, then: () => Step): Step {
  return n === 0 ? then() : { skip: n, then }
}

function readLE(b: Uint8Array, n: number): number {
  let v = 0
  for (let i = n - 1; i >= 0; i--) v = v * 256 + (b[i] as number)
  return v >>> 0
}
