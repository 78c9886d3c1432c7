/**
 * `zoi serve` against nginx serving the same mirror folder: many clients downloading archives at
 * once (throughput), and many small sidecar requests (requests per second). The load generator
 * is bench/http-load.ts, run as a separate process for both servers alike.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { ZOI, compare, step, type Row } from './lib.ts'

const NGINX = ['/usr/sbin/nginx', Bun.which('nginx') ?? ''].find((p) => p && existsSync(p))
const LOAD = resolve(import.meta.dir, 'http-load.ts')

export async function benchServe(work: string): Promise<Row[]> {
  if (!NGINX) {
    step('serve: skipped (nginx is not installed: apt-get install nginx)')
    return []
  }
  step('serve vs nginx')
  const dir = join(work, 'served')
  mkdirSync(join(dir, 'archives'), { recursive: true })
  writeFileSync(join(dir, 'archives', 'big.pkg.tar.zst'), Buffer.alloc(16 << 20, 7))
  for (let i = 0; i < 100; i++) writeFileSync(join(dir, 'archives', `p${i}.pkg.tar.zst.hash`), `${'a'.repeat(128)}  p${i}.pkg.tar.zst\n`)
  const zoi = Bun.spawn([ZOI, 'serve', dir, '--port', '0'], { stderr: 'pipe', stdout: 'ignore' })
  const zoiUrl = await urlFrom(zoi.stderr)
  const port = await freePort()
  const conf = join(work, 'nginx')
  mkdirSync(conf, { recursive: true })
  writeFileSync(join(conf, 'nginx.conf'), `${process.getuid?.() === 0 ? 'user root root;' : ''}
daemon off; worker_processes 1; pid ${conf}/nginx.pid; error_log ${conf}/error.log;
events { worker_connections 256; }
http { access_log off; client_body_temp_path ${conf}/b; proxy_temp_path ${conf}/p; fastcgi_temp_path ${conf}/f; uwsgi_temp_path ${conf}/u; scgi_temp_path ${conf}/s;
  server { listen 127.0.0.1:${port}; root ${dir}; location / { try_files $uri =404; } } }
`)
  const nginx = Bun.spawn([NGINX, '-c', join(conf, 'nginx.conf'), '-p', conf], { stdout: 'ignore', stderr: 'ignore' })
  const nginxUrl = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100 && !(await fetch(nginxUrl).then(() => true, () => false)); i++) await Bun.sleep(50)
  try {
    const load = (base: string, path: string, n: number, c: number) => ({ cmd: [process.execPath, LOAD, `${base}${path}`, String(n), String(c)] })
    const big = await compare('`zoi serve` vs nginx: 64 downloads of a 16 MB archive, 8 at a time', '', undefined,
      load(zoiUrl, '/archives/big.pkg.tar.zst', 64, 8), load(nginxUrl, '/archives/big.pkg.tar.zst', 64, 8), 3, 1, true)
    big.note = `${((64 * 16) / (median(big.zoiMs) / 1000)).toFixed(0)} MB/s vs ${((64 * 16) / (median(big.refMs) / 1000)).toFixed(0)} MB/s`
    const small = await compare('`zoi serve` vs nginx: 2,000 sidecar requests, 16 at a time', '', undefined,
      load(zoiUrl, '/archives/p7.pkg.tar.zst.hash', 2000, 16), load(nginxUrl, '/archives/p7.pkg.tar.zst.hash', 2000, 16), 3, 1, true)
    small.note = `${(2000 / (median(small.zoiMs) / 1000)).toFixed(0)} req/s vs ${(2000 / (median(small.refMs) / 1000)).toFixed(0)} req/s`
    return [big, small]
  } finally {
    zoi.kill()
    nginx.kill()
    await Promise.all([zoi.exited, nginx.exited])
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

async function urlFrom(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader()
  let seen = ''
  while (!/at (http:\/\/\S+)\n/.test(seen)) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`zoi serve did not start: ${seen}`)
    seen += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  return /at (http:\/\/\S+)\n/.exec(seen)![1]!
}

async function freePort(): Promise<number> {
  return await new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => done(port))
    })
  })
}
