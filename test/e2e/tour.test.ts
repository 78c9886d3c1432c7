/**
 * docs/tour.md is a real session: its commands are replayed against dist/zoi and must print
 * what the document shows (temp paths, commit ids and dates normalised). When output changes
 * on purpose, re-record with `npx bun scripts/record-tour.ts`.
 */
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { replayTour, TOUR_FILE, tourBlocks } from '../support/tour.ts'

test('the 5-minute tour in docs/tour.md matches what the binary prints today', async () => {
  const blocks = tourBlocks(readFileSync(TOUR_FILE, 'utf8'))
  expect(blocks.length).toBeGreaterThan(4)
  const today = await replayTour(blocks)
  for (const [i, block] of blocks.entries()) expect(today[i]).toBe(block.text)
}, 120_000)
