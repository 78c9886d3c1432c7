/**
 * A second thread that extracts archives, so two archives of an install are extracted on two
 * cores: on the main thread, writing the files (the kernel's work of creating them), hashing
 * them and parsing the tar take one core whole, while zstd decodes on libuv's pool. The worker
 * runs the same `extractArchive`, with the same checks and the same cleanup on failure; only
 * the thread differs. One job at a time: a second `extract` waits for the first.
 */
import { rm } from 'node:fs/promises'
import { workerEntry } from '../worker-entry.ts'
import { ZoiError } from '../errors.ts'
import { extractArchive, type ExtractOptions, type ExtractResult } from './extract.ts'
import { fromWire, type ExtractJob, type ExtractReply } from './extract-wire.ts'

/** A reply, or the news that the worker is gone (it failed to load, crashed or exited). */
type Outcome = ExtractReply | 'stopped'

export class ExtractThread {
  #worker: Worker
  #queue: Promise<unknown> = Promise.resolve()
  /** The worker is gone: jobs are extracted on the calling thread. */
  #stopped = false
  #closed = false
  /** Settles once the worker has exited (Bun fires 'close' after an exit, a crash or `terminate`). */
  #gone: Promise<void>
  /** The running job's handler. */
  #onReply: ((outcome: Outcome) => void) | null = null

  private constructor(worker: Worker) {
    this.#worker = worker
    worker.onmessage = (e: MessageEvent<ExtractReply>) => this.#onReply?.(e.data)
    const stopped = () => {
      this.#stopped = true
      this.#onReply?.('stopped')
    }
    const gone = Promise.withResolvers<void>()
    this.#gone = gone.promise
    worker.onerror = stopped
    worker.addEventListener('close', () => {
      gone.resolve()
      stopped()
    })
  }

  /**
   * A started thread, or null where this runtime cannot start one (extract on the main thread
   * then). `entry` is for tests.
   */
  static start(entry = workerEntry('archive/extract-worker.ts', import.meta.url)): ExtractThread | null {
    try {
      const worker = new Worker(entry)
      // An idle worker never keeps the process alive; a job in flight holds a promise the caller awaits.
      worker.unref()
      return new ExtractThread(worker)
    } catch {
      return null
    }
  }

  /**
   * `extractArchive(archivePath, destDir, options)` on this thread; on the calling thread instead
   * if the worker is gone, even half way through the job (what it wrote is removed first).
   */
  extract(archivePath: string, destDir: string, options: ExtractOptions = {}): Promise<ExtractResult> {
    const job = this.#queue.then(() => this.#run({ archivePath, destDir, options: withoutCallback(options) }, options.onProgress))
    this.#queue = job.catch(() => undefined)
    return job
  }

  #run(job: ExtractJob, onProgress: ((bytes: number) => void) | undefined): Promise<ExtractResult> {
    if (this.#closed) return Promise.reject(closedError())
    if (this.#stopped) return this.#here(job, onProgress)
    return new Promise<ExtractResult>((resolve, reject) => {
      this.#onReply = (outcome) => {
        if (outcome !== 'stopped' && 'progress' in outcome) return onProgress?.(outcome.progress)
        this.#onReply = null
        if (outcome === 'stopped') {
          if (this.#closed) reject(closedError())
          else resolve(this.#here(job, onProgress))
        } else if ('result' in outcome) resolve(outcome.result)
        else reject(fromWire(outcome.error))
      }
      this.#worker.ref()
      this.#worker.postMessage(job)
    }).finally(() => this.#worker.unref())
  }

  /** The job on the calling thread, once the worker is surely gone: nothing else writes in `destDir` then. */
  async #here(job: ExtractJob, onProgress: ((bytes: number) => void) | undefined): Promise<ExtractResult> {
    this.#worker.terminate()
    await this.#gone
    await rm(job.destDir, { recursive: true, force: true })
    return extractArchive(job.archivePath, job.destDir, { ...job.options, onProgress })
  }

  /** Stops the thread; a job still running is cut off (its caller removes what it wrote). */
  close(): void {
    this.#closed = true
    void this.#worker.terminate()
  }
}

function closedError(): ZoiError {
  return new ZoiError('INTERNAL', 'the extraction thread was closed')
}

function withoutCallback(options: ExtractOptions): ExtractJob['options'] {
  const { onProgress: _, ...rest } = options
  return rest
}
