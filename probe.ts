const t0 = performance.now()
const marks: [string, number][] = []
const mark = (s: string) => marks.push([s, performance.now()])
const origCompile = WebAssembly.compile, origInst = WebAssembly.instantiate
;(WebAssembly as any).instantiate = async function (...a: any[]) { mark('inst-start'); const r = await (origInst as any).apply(this, a); mark('inst-end'); return r }
const { luaModule } = await import('./src/lua/lua-module.ts')
mark('imported lua-module')
const m = await luaModule()
mark('luaModule')
const { openSandbox } = await import('./src/lua/lua-sandbox.ts')
mark('import sandbox')
const sb = await openSandbox({ instructionBudget: 1e8, timeLimitMs: 10000, memoryLimitBytes: 64 << 20 })
mark('openSandbox')
const r = sb.run({ source: 'metadata({name="x", repo="core", version="1.0", description="d"})', chunkname: '=#0', context: { os: 'linux', arch: 'amd64' }, include: () => ({ error: 'no' }) })
mark('first run')
let prev = t0
for (const [s, t] of marks) { console.log(s.padEnd(20), (t - prev).toFixed(1), (t - t0).toFixed(1)); prev = t }
console.log(JSON.stringify(r).slice(0, 80))
