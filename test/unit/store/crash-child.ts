/**
 * Child process for the SIGKILL test: installs an archive and kills itself (SIGKILL, no
 * cleanup of any kind) when the install reports its `kill-at`-th applied step.
 * Usage: bun crash-child.ts <root> <home> <archive> <name> <version> <kill-at>
 */
import { layoutFor } from '../../../src/platform/layout.ts'
import { installArchive } from '../../../src/store/index.ts'

const [root, home, archivePath, name, version, killAt] = process.argv.slice(2) as [string, string, string, string, string, string]
await installArchive({
  layout: layoutFor({ root, home }),
  archivePath,
  record: { handle: 'zoidberg', repo: 'core', name, version, platform: 'linux-amd64', bins: [name] },
  report: (event) => {
    if (event.kind === 'advance' && event.loaded === Number(killAt)) process.kill(process.pid, 'SIGKILL')
  },
})
