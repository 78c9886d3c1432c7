/** `bun bench/http-load.ts <url> <requests> <concurrency>`: GETs the URL, reads every body, fails on a non-200. */
const [url, n, c] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])]
let next = 0
async function worker(): Promise<void> {
  while (next < n) {
    next++
    const res = await fetch(url)
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`)
    await res.arrayBuffer()
  }
}
await Promise.all(Array.from({ length: c }, worker))
export {}
