/** The zstd frame walker: every complete stream passes, every cut-off stream is caught. */
import { describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { ZstdFrameError, ZstdFrameWalker } from '../../../src/archive/zstd-frames.ts'
import { zstd } from '../../support/make-archive.ts'

/** Feed `bytes` in chunks of `chunk` bytes; return the error message, or 'ok'. */
function walk(bytes: Uint8Array, chunk = 7): string {
  const walker = new ZstdFrameWalker()
  try {
    for (let i = 0; i < bytes.length; i += chunk) walker.push(bytes.subarray(i, i + chunk))
    walker.end()
    return 'ok'
  } catch (e) {
    expect(e).toBeInstanceOf(ZstdFrameError)
    return (e as Error).message
  }
}

function skippableFrame(payload: Uint8Array): Uint8Array {
  const header = Buffer.alloc(8)
  header.writeUInt32LE(0x184d2a53, 0)
  header.writeUInt32LE(payload.length, 4)
  return Buffer.concat([header, payload])
}

// Random data gives raw blocks, text compressed blocks, zeros RLE blocks; 300 KB spans several blocks.
const samples: Array<[string, Uint8Array]> = [
  ['raw blocks', zstd(randomBytes(300_000))],
  ['compressed blocks', zstd(Buffer.from('the quick brown fox '.repeat(20_000)))],
  ['rle blocks', zstd(new Uint8Array(400_000))],
  ['no checksum', zstd(Buffer.from('hello '.repeat(1000)), false)],
  ['empty content', zstd(new Uint8Array(0))],
]

describe('ZstdFrameWalker', () => {
  test.each(samples)('accepts a complete stream (%s), whatever the chunking', (_name, bytes) => {
    for (const chunk of [1, 3, 4096, 1 << 20]) expect(walk(bytes, chunk)).toBe('ok')
  })

  test('accepts several frames and skippable frames between them', () => {
    const [a, b] = [zstd(Buffer.from('one')), zstd(Buffer.from('two'))]
    expect(walk(Buffer.concat([a, skippableFrame(Buffer.from('meta')), b, skippableFrame(new Uint8Array(0))]))).toBe('ok')
  })

  test('catches a stream cut at every possible position', () => {
    const first = zstd(Buffer.from('hello world, '.repeat(50)))
    const bytes = Buffer.concat([first, zstd(randomBytes(200))])
    for (let cut = 1; cut < bytes.length; cut++) {
      // A cut exactly between the two frames leaves a valid one-frame stream.
      expect(walk(bytes.subarray(0, cut))).toEqual(cut === first.length ? 'ok' : expect.stringContaining('zstd'))
    }
  })

  test('catches truncation in a large multi-block stream', () => {
    const bytes = samples[0]?.[1] as Uint8Array
    expect(walk(bytes.subarray(0, bytes.length - 1))).toContain('truncated')
    expect(walk(bytes.subarray(0, 200_000))).toContain('truncated')
  })

  test('refuses foreign data first and last', () => {
    expect(walk(new Uint8Array(0))).toContain('empty')
    expect(walk(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]))).toContain('not a zstd archive')
    expect(walk(Buffer.from([0x28, 0xb5]))).toContain('not a zstd archive')
    expect(walk(skippableFrame(Buffer.from('x')))).toContain('not a zstd archive')
    expect(walk(Buffer.concat([zstd(Buffer.from('x')), Buffer.from('garbage!')]))).toContain('after the end')
  })

  test('refuses reserved header bits and block types', () => {
    const bytes = Buffer.from(zstd(Buffer.from('hello')))
    const reservedBit = Buffer.from(bytes)
    reservedBit[4] = (reservedBit[4] as number) | 0x08
    expect(walk(reservedBit)).toContain('reserved bit')
    // Frame header of a single-segment frame with 1-byte content size: magic, FHD, FCS → block at 6.
    const reservedType = Buffer.from(bytes)
    reservedType[6] = (reservedType[6] as number) | 0x06
    expect(walk(reservedType)).toContain('corrupt zstd block')
  })
})
