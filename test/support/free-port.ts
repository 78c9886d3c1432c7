/** A TCP port on 127.0.0.1 that was free a moment ago, for servers that cannot bind port 0 (nginx). */
import { createServer } from 'node:net'

export async function freePort(): Promise<number> {
  return await new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => done(port))
    })
  })
}
