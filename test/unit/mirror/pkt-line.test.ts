/** pkt-line framing, side-band packets and pack object headers, as the git documentation defines them. */
import { describe, expect, test } from 'bun:test'
import { encodeObjectHeader as objectHeader } from '../../../src/registry/git-pack.ts'
import { MAX_PKT_PAYLOAD, pktLine, readPktLines, sideBand } from '../../../src/registry/git-pkt-line.ts'
import { parseUploadRequest } from '../../../src/mirror/upload-pack.ts'

const text = (b: Uint8Array) => new TextDecoder().decode(b)

describe('pkt-line', () => {
  test('length counts itself, in lower-case hex', () => {
    expect(text(pktLine('a\n'))).toBe('0006a\n')
    expect(text(pktLine('# service=git-upload-pack\n'))).toBe('001e# service=git-upload-pack\n')
  })

  test('reading: lines lose their LF, flushes are null, bad framing is refused', () => {
    expect(readPktLines(new TextEncoder().encode('0009done\n00000006a\n'))).toEqual(['done', null, 'a'])
    expect(() => readPktLines(new TextEncoder().encode('00zz'))).toThrow('not a git pkt-line request')
    expect(() => readPktLines(new TextEncoder().encode('0010short'))).toThrow('runs past the end')
  })

  test('side-band splits data into band-tagged packets that fit the negotiated size', () => {
    const data = new Uint8Array(200_000).fill(7)
    const large = [...sideBand(data, 1, true)]
    expect(large.every((p) => p.length <= MAX_PKT_PAYLOAD + 4 && p[4] === 1)).toBe(true)
    expect(large.reduce((n, p) => n + p.length - 5, 0)).toBe(data.length)
    expect([...sideBand(data.subarray(0, 5000), 1, false)].every((p) => p.length <= 1000)).toBe(true)
  })
})

describe('pack object header', () => {
  test.each([
    [3, 0, [0x30]],
    [3, 15, [0x3f]],
    [1, 16, [0x90, 0x01]],
    [2, 0x1234, [0xa4, 0xa3, 0x02]],
  ])('type %d size %d', (type, size, bytes) => {
    expect([...objectHeader(type, size)]).toEqual(bytes)
  })
})

describe('parseUploadRequest', () => {
  const oid = 'a'.repeat(40)
  const body = (...lines: (string | null)[]) => Buffer.concat(lines.map((l) => (l === null ? Buffer.from('0000') : pktLine(l))))

  test('wants with capabilities, shallow, deepen, haves, done', () => {
    const req = parseUploadRequest(body(`want ${oid} side-band-64k agent=git/2\n`, `shallow ${oid}\n`, 'deepen 1\n', null, `have ${oid}\n`, 'done\n'))
    expect(req).toMatchObject({ wants: [oid], shallows: [oid], depth: 1, haves: [oid], done: true, negotiating: true })
    expect([...req.capabilities]).toEqual(['side-band-64k', 'agent=git/2'])
  })

  test("the wants section alone is not a negotiation (git's first request of a shallow fetch)", () => {
    expect(parseUploadRequest(body(`want ${oid}\n`, 'deepen 1\n', null)).negotiating).toBe(false)
  })

  test('unknown commands and malformed ids are refused', () => {
    expect(() => parseUploadRequest(body(`deepen-since 1700000000\n`))).toThrow('unsupported git request line')
    expect(() => parseUploadRequest(body('want xyz\n'))).toThrow('bad git request line')
  })
})
