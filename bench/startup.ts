/**
 * Start-up: `zoi --version` and `zoi --help` against a hello-world binary compiled by the same
 * Bun with the same options as build.ts (minify, bytecode): what zoi adds on top of the runtime.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { NOTHING_FROM_CWD } from '../build.ts'
import { OUT, ZOI, compare, step, type Row } from './lib.ts'

export async function helloBinary(): Promise<string> {
  const dir = join(OUT, 'hello')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'hello.ts'), "console.log('hello')\n")
  const outfile = join(dir, 'hello')
  // The same start-up options as zoi's own build: nothing read from the current folder.
  const compile = { outfile, ...NOTHING_FROM_CWD }
  const r = await Bun.build({ entrypoints: [join(dir, 'hello.ts')], compile, minify: true, bytecode: true, format: 'esm' })
  if (!r.success) throw new Error(`building the hello-world binary failed: ${r.logs.join('\n')}`)
  return outfile
}

export async function benchStartup(work: string): Promise<Row[]> {
  step('startup')
  const hello = await helloBinary()
  const home = join(work, 'startup-home')
  mkdirSync(home, { recursive: true })
  return [
    await compare('`zoi --version` vs a hello-world binary of the same Bun', '≤ 1.3×', 1.3, { cmd: [ZOI, '--version'] }, { cmd: [hello] }, 30, 3, true),
    await compare('`zoi --help` vs the same hello-world binary', '', undefined, { cmd: [ZOI, '--help'] }, { cmd: [hello] }, 15, 1, true),
    // What every command pays before its own work: config, layout, the installed database.
    await compare('`zoi list` (nothing installed) vs the same hello-world binary', '', undefined, { cmd: [ZOI, 'list'], env: { HOME: home } }, { cmd: [hello] }, 15, 1, true),
  ]
}
