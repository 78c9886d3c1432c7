/**
 * A second thread that extracts archives, so two archives of an install are extracted on two
 * cores: on the main thread, writing the files (the kernel's work of creating them), hashing
 * them and parsing the tar take one core whole, while zstd decodes on libuv's pool. The worker
 * runs the same `extractArchive`, with the same checks and the same cleanup on failure; only
 * the thread differs. One job at a time: a second `extract` waits for the first.
 */
import { workerEntry } from '../worker-entry.ts'
import { ZoiError } from '../errors.ts'
import type { ExtractOptions, ExtractResult } from './extract.ts'
import { fromWire, type ExtractJob, type ExtractReply } from './extract-wire.ts'

export class ExtractThread {
  #worker: Worker
  #queue: Promise<unknown> = Promise.resolve()
  #failed: Error | null = null
  /** The running job's handlers. */
  #onReply: ((reply: ExtractReply) => void) | null = null

  private constructor(worker: Worker) {
    this.#worker = worker
    worker.onmessage = (e: MessageEvent<ExtractReply>) => this.#onReply?.(e.data)
    const stopped = (why: string) => {
      this.#failed ??= new ZoiError('INTERNAL', `the extraction thread stopped: ${why}`)
      this.#onReply?.({ error: { message: this.#failed.message, zoi: { code: 'INTERNAL' } } })
    }
    worker.onerror = (e: ErrorEvent) => stopped(e.message)
    worker.addEventListener('close', () => stopped('it exited'))
  }

  /** A started thread, or null where this runtime cannot start one (extract on the main thread then). */
  static start(): ExtractThread | null {
    try {
      const worker = new Worker(workerEntry('archive/extract-worker.ts', import.meta.url))
      // An idle worker never keeps the process alive; a job in flight holds a promise the caller awaits.
      worker.unref()
      return new ExtractThread(worker)
    } catch {
      return null
    }
  }

  /** `extractArchive(archivePath, destDir, options)` on this thread. */
  extract(archivePath: string, destDir: string, options: ExtractOptions = {}): Promise<ExtractResult> {
    const job = this.#queue.then(() => this.#run({ archivePath, destDir, options: withoutCallback(options) }, options.onProgress))
    this.#queue = job.catch(() => undefined)
    return job
  }

  #run(job: ExtractJob, onProgress: ((bytes: number) => void) | undefined): Promise<ExtractResult> {
    if (this.#failed) return Promise.reject(this.#failed)
    return new Promise<ExtractResult>((resolve, reject) => {
      this.#onReply = (reply) => {
        if ('progress' in reply) return onProgress?.(reply.progress)
        this.#onReply = null
        if ('result' in reply) resolve(reply.result)
        else reject(fromWire(reply.error))
      }
      this.#worker.ref()
      this.#worker.postMessage(job)
    }).finally(() => this.#worker.unref())
  }

  /** Stops the thread; a job still running is cut off (its caller removes what it wrote). */
  close(): void {
    this.#failed ??= new ZoiError('INTERNAL', 'the extraction thread was closed')
    void this.#worker.terminate()
  }
}

function withoutCallback(options: ExtractOptions): ExtractJob['options'] {
  const { onProgress: _, ...rest } = options
  return rest
}
