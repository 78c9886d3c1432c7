/**
 * Child process for the read-only tests: settles a root for reading (settleForRead) and prints
 * what it said, as JSON: the warnings and the error code.
 * Usage: bun read-child.ts <root> <home>
 */
import { isZoiError } from '../../../src/errors.ts'
import { layoutFor } from '../../../src/platform/layout.ts'
import { settleForRead } from '../../../src/store/index.ts'

const [root, home] = process.argv.slice(2) as [string, string]
const layout = layoutFor({ root, home })
const warnings: string[] = []
let code: string | null = null
try {
  await settleForRead(layout, (e) => {
    if (e.kind === 'warn') warnings.push(e.text)
  })
} catch (e) {
  code = isZoiError(e) ? e.code : String(e)
}
console.log(JSON.stringify({ warnings, code }))
