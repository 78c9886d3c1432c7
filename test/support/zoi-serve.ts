/** `zoi serve <dir> --port 0` in the background for e2e tests; the URL comes from its one stderr line. */
import { ZOI_BIN } from './run-cli.ts'

export interface ZoiServer {
  url: string
  /** SIGTERM, then the exit code (the same promise on every call). */
  stop(): Promise<number>
}

export async function startZoiServe(home: string, dir: string, ...extra: string[]): Promise<ZoiServer> {
  const proc = Bun.spawn([ZOI_BIN, 'serve', dir, '--port', '0', ...extra], {
    cwd: home, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NO_COLOR: '1' }, stdout: 'pipe', stderr: 'pipe',
  })
  let stopped: Promise<number> | undefined
  const stop = () => (stopped ??= (proc.kill('SIGTERM'), proc.exited))
  let seen = ''
  const reader = proc.stderr.getReader()
  const deadline = Date.now() + 15_000
  while (!/at (http:\/\/\S+)\n/.test(seen)) {
    const next = await Promise.race([reader.read(), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => undefined)])
    if (!next || next.done) {
      await stop()
      throw new Error(`zoi serve did not start: ${seen}`)
    }
    seen += new TextDecoder().decode(next.value)
  }
  reader.releaseLock()
  return { url: /at (http:\/\/\S+)\n/.exec(seen)![1]!, stop }
}
