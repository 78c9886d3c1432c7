import { runCli } from './cli/program.ts'
import { normalJitAfterStartUp } from './platform/jit.ts'

normalJitAfterStartUp()

process.exitCode = await runCli(process.argv)
