/**
 * Builds the single zoi executable. `bun build.ts` writes dist/zoi for this machine;
 * `bun build.ts --all` also cross-compiles every release target (Bun fetches each target's
 * runtime from the npm registry) and prints the sizes.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { resolve } from 'node:path'

const TARGETS = [
  { target: 'bun-linux-x64', file: 'zoi-linux-x64' },
  { target: 'bun-linux-arm64', file: 'zoi-linux-arm64' },
  { target: 'bun-linux-x64-musl', file: 'zoi-linux-x64-musl' },
  { target: 'bun-darwin-x64', file: 'zoi-darwin-x64' },
  { target: 'bun-darwin-arm64', file: 'zoi-darwin-arm64' },
  { target: 'bun-windows-x64', file: 'zoi-windows-x64.exe' },
] as const

/** See `jitPolicy` below and src/platform/jit.ts. */
const JIT_POLICY = 100

/**
 * A standalone binary of Bun would read .env and bunfig.toml from the current folder when it
 * starts: a bunfig.toml's `preload` in the folder a user runs zoi from (a cloned repository, a
 * USB stick) would run its code inside zoi, and a .env would change zoi's environment. Looking
 * for them also read the whole folder at every start (30 ms in a folder of 30,000). The bench's
 * hello-world reference is built with the same options.
 */
export const NOTHING_FROM_CWD = { autoloadDotenv: false, autoloadBunfig: false, autoloadTsconfig: false, autoloadPackageJson: false } as const

/** Where the build writes the Lua snapshot it embeds (src/lua/lua-snapshot.ts). */
const LUA_SNAPSHOT = resolve(import.meta.dir, 'dist/lua-snapshot.bin')

/**
 * Makes the Lua snapshot in a process of its own (one that has not used Lua: this one may have,
 * when imported), from the sources as they are now.
 */
async function makeLuaSnapshot(): Promise<void> {
  const script = `const { makeLuaSnapshot } = await import(${JSON.stringify(resolve(import.meta.dir, 'src/lua/make-lua-snapshot.ts'))})
await Bun.write(${JSON.stringify(LUA_SNAPSHOT)}, await makeLuaSnapshot())`
  const run = Bun.spawnSync([process.execPath, '-e', script], { stdout: 'inherit', stderr: 'inherit' })
  if (run.exitCode !== 0) throw new Error('making the Lua snapshot failed')
}

/** Replaces src/lua/lua-snapshot-file.ts with a module that embeds the snapshot (its path, inside the binary). */
const embedLuaSnapshot: Bun.BunPlugin = {
  name: 'zoi-lua-snapshot',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]lua[\\/]lua-snapshot-file\.ts$/ }, () => ({
      contents: `import file from ${JSON.stringify(LUA_SNAPSHOT)} with { type: 'file' }\nexport default file\n`,
      loader: 'ts',
    }))
  },
}

async function compile(outfile: string, target?: string): Promise<void> {
  // Write to a temp name first: a failed build never leaves a stale or half-written dist/zoi.
  // Bun appends .exe to Windows outputs, so the temp name keeps the extension last.
  const tmp = outfile.replace(/(\.exe)?$/, '.tmp$1')
  await rm(tmp, { force: true })
  const result = await Bun.build({
    // Worker threads are started by path (src/worker-entry.ts): each must be an entrypoint. The Lua
    // worker of a large sync's evaluation (src/lua/evaluation-pool.ts); the deleting worker of a large removal (src/platform/remove-tree.ts);
    // the second extracting thread of an install (src/archive/extract-thread.ts).
    entrypoints: ['src/main.ts', 'src/lua/evaluate-worker.ts', 'src/platform/remove-worker.ts', 'src/archive/extract-worker.ts'],
    compile: {
      ...(target ? { target: target as Bun.Build.CompileTarget } : {}),
      outfile: tmp,
      ...NOTHING_FROM_CWD,
      // JavaScriptCore's tier-up thresholds times JIT_POLICY at start; src/platform/jit.ts restores
      // the normal policy for long work. README "Performance" has the numbers.
      jitPolicy: JIT_POLICY,
    },
    plugins: [embedLuaSnapshot],
    minify: true,
    bytecode: true,
    format: 'esm',
    sourcemap: 'none',
    splitting: true,
  })
  if (!result.success) {
    for (const log of result.logs) console.error(log)
    throw new Error(`build of ${outfile} failed`)
  }
  await rename(tmp, outfile)
}

// Run as `bun build.ts`; imported (by the bench, for NOTHING_FROM_CWD) it builds nothing.
if (import.meta.main) {
  const all = process.argv.includes('--all')
  await mkdir('dist', { recursive: true })
  await makeLuaSnapshot()
  const rows: [string, number][] = []
  await compile('dist/zoi')
  rows.push(['dist/zoi', (await stat('dist/zoi')).size])
  if (all) {
    for (const t of TARGETS) {
      const out = `dist/${t.file}`
      await compile(out, t.target)
      rows.push([out, (await stat(out)).size])
    }
  }
  for (const [file, size] of rows) console.log(`${file.padEnd(28)} ${(size / 1048576).toFixed(1).padStart(7)} MiB`)
}
