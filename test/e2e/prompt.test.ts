/** On a terminal, install and uninstall show the plan and ask; -y and non-terminals never ask. */
import { expect, test } from 'bun:test'
import { resolve } from 'node:path'
import { formatResult, makeTempDir, runCommand, runZoi, ZOI_BIN } from '../support/run-cli.ts'

const EXAMPLES = resolve(import.meta.dir, '../../examples/registry')
const SCRIPT = Bun.which('script', { PATH: `${process.env.PATH}:/usr/bin` })

/** Runs zoi on a pseudo-terminal (util-linux `script`), typing `input`. */
function onTerminal(home: string, args: string, input: string) {
  return runCommand([SCRIPT!, '-qec', `${ZOI_BIN} ${args}`, '/dev/null'], { home, stdin: input })
}

test.skipIf(!SCRIPT)('install asks on a terminal; "n" changes nothing, Enter proceeds, -y never asks (needs util-linux script)', async () => {
  const home = makeTempDir()
  await runZoi(['sync', 'set', EXAMPLES], { home })
  await runZoi(['sync'], { home })
  const no = await onTerminal(home, 'install hello', 'n\n')
  expect(no.stdout, formatResult(no)).toContain('Proceed with installation? [Y/n]')
  expect(no.stdout).toMatch(/install +example\/core\/hello +1\.0\.0/)
  expect(no.stdout).toContain('Nothing was changed.')
  expect((await runZoi(['list', '--json'], { home })).stdout.trim()).toBe('[]')

  const yes = await onTerminal(home, 'install hello', '\n')
  expect(yes.stdout, formatResult(yes)).toContain('installed hello 1.0.0')
  expect(JSON.parse((await runZoi(['list', '--json'], { home })).stdout)).toHaveLength(2)

  const keep = await onTerminal(home, 'uninstall hello', 'no\n')
  expect(keep.stdout).toContain('Proceed with removal? [Y/n]')
  expect(JSON.parse((await runZoi(['list', '--json'], { home })).stdout)).toHaveLength(2)

  const quiet = await onTerminal(home, 'uninstall hello -y', '')
  expect(quiet.stdout).not.toContain('[Y/n]')
  expect(quiet.stdout).toContain('removed hello 1.0.0')
})
