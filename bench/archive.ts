/**
 * Archive decoding inside the compiled binary (`zoi package extract`) against the native
 * pipeline `zstd -dc | tar -x` on the same ~300 MB archive: MB/s of tar payload and the ratio.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeArchive } from '../src/archive/index.ts'
import { ZOI, median, printTable } from './lib.ts'

const MB = 1 << 20

/** ~300 MB: 180 text-like files of 1 MB (compressible) and 120 random files of 1 MB. */
function makePayload(dir: string): number {
  const text = Buffer.from('the quick brown fox jumps over the lazy dog; zoi installs offline. '.repeat(16_000)).subarray(0, MB)
  let total = 0
  for (let i = 0; i < 300; i++) {
    const sub = join(dir, 'data/pkgstore', `d${i % 10}`)
    mkdirSync(sub, { recursive: true })
    const content = i % 5 < 3 ? text : randomBytes(MB)
    writeFileSync(join(sub, `f${i}.bin`), content)
    total += content.length
  }
  writeFileSync(join(dir, 'bench.pkg.lua'), 'metadata({ name = "bench", version = "1.0.0" })\n')
  return total
}

async function timeRun(cmd: string[], cleanup: () => void): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < 3; i++) {
    cleanup()
    const t0 = performance.now()
    const p = Bun.spawn(cmd, { stdout: 'ignore', stderr: 'pipe' })
    if ((await p.exited) !== 0) throw new Error(`${cmd.join(' ')} failed: ${await new Response(p.stderr).text()}`)
    times.push(performance.now() - t0)
  }
  return median(times)
}

export async function benchArchive(): Promise<void> {
  if (!Bun.which('zstd')) {
    console.log('\narchive decode: SKIPPED (the reference needs the zstd CLI: apt-get install zstd)')
    return
  }
  const work = mkdtempSync(join(tmpdir(), 'zoi-bench-archive-'))
  try {
    const src = join(work, 'src')
    const payload = makePayload(src)
    const archive = join(work, 'bench-1.0.0-linux-amd64.pkg.tar.zst')
    await writeArchive(archive, src)
    const out = join(work, 'out')
    const clean = () => {
      rmSync(out, { recursive: true, force: true })
      mkdirSync(out)
    }
    const zoi = await timeRun([ZOI, 'package', 'extract', archive, out, '-q'], clean)
    const native = await timeRun(['sh', '-c', `zstd -dc '${archive}' | tar -xf - -C '${out}'`], clean)
    const mbps = (ms: number) => `${(payload / MB / (ms / 1000)).toFixed(0)} MB/s`
    printTable(`archive decode: ${(payload / MB).toFixed(0)} MB payload, ${(statSync(archive).size / MB).toFixed(0)} MB archive (median of 3)`, [
      { name: 'zoi package extract', value: `${zoi.toFixed(0)} ms`, note: mbps(zoi) },
      { name: 'zstd -dc | tar -x', value: `${native.toFixed(0)} ms`, note: mbps(native) },
      { name: '  ratio (target <= 2x)', value: `${(zoi / native).toFixed(2)}x` },
    ])
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
