/**
 * Worker thread of extract-thread.ts: each message is one extraction, run by the same
 * `extractArchive` as on the main thread; it answers with progress messages, then the result or
 * the error (as plain data: errors do not cross threads whole). It is a build entrypoint of its
 * own (build.ts), so the compiled binary can start it.
 */
import { normalJit } from '../platform/jit.ts'
import { extractArchive } from './extract.ts'
import { toWire, type ExtractJob, type ExtractReply } from './extract-wire.ts'

declare const self: Worker

// Every entry of every archive it is given runs the same code: the normal JIT policy, whatever
// the binary started with (build.ts; platform/jit.ts).
normalJit()

/** Progress is posted at most this often (bytes): a message per chunk would cost more than it tells. */
const PROGRESS_STEP = 4 << 20

self.onmessage = async (e: MessageEvent<ExtractJob>) => {
  const { archivePath, destDir, options } = e.data
  const post = (reply: ExtractReply) => self.postMessage(reply)
  let told = 0
  const onProgress = (bytes: number) => {
    if (bytes - told < PROGRESS_STEP) return
    told = bytes
    post({ progress: bytes })
  }
  try {
    const result = await extractArchive(archivePath, destDir, { ...options, onProgress })
    post({ progress: result.bytes })
    post({ result })
  } catch (err) {
    post({ error: toWire(err) })
  }
}
