/**
 * Re-records docs/tour.md from the real binary: runs each ```console block's commands and
 * writes what they print today under them (build dist/zoi first). test/e2e/tour.test.ts
 * checks that the file and the binary still agree.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { replayTour, TOUR_FILE, tourBlocks } from '../test/support/tour.ts'

const markdown = readFileSync(TOUR_FILE, 'utf8')
const blocks = tourBlocks(markdown)
const texts = await replayTour(blocks)
let out = markdown
for (let i = blocks.length - 1; i >= 0; i--) out = out.slice(0, blocks[i]!.start) + texts[i] + out.slice(blocks[i]!.end)
writeFileSync(TOUR_FILE, out)
console.log(`recorded ${blocks.length} blocks, ${blocks.reduce((n, b) => n + b.commands.length, 0)} commands`)
