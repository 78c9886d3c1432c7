/** Startup time of the compiled binary and its size. */
import { stat } from 'node:fs/promises'
import { ZOI, printTable, timeCommand } from './lib.ts'

export async function benchStartup(): Promise<void> {
  const runs = 20
  const version = await timeCommand([ZOI, '--version'], runs)
  const help = await timeCommand([ZOI, '--help'], runs)
  const trueMs = await timeCommand(['true'], runs)
  const size = (await stat(ZOI)).size
  printTable('startup (median of 20 runs)', [
    { name: 'zoi --version', value: `${version.toFixed(1)} ms` },
    { name: 'zoi --help', value: `${help.toFixed(1)} ms` },
    { name: 'true (process spawn floor)', value: `${trueMs.toFixed(1)} ms` },
    { name: 'binary size', value: `${(size / 1048576).toFixed(1)} MiB`, note: 'dist/zoi' },
  ])
}
