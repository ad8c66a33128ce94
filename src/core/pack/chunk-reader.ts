import { open, type FileHandle } from 'node:fs/promises'
import { FileChangedError } from '../errors.js'
import { BufferPool } from './buffer-pool.js'
import { fsError, type WalkFile } from './walk.js'

export interface Chunk {
  bytes: Buffer
  /** Hands the buffer back to the pool; call once nothing refers to `bytes` any more. */
  release?: () => void
  /** Last chunk of its file. */
  last: boolean
}

export interface ChunkReaderOptions {
  /** Bytes read ahead of the consumer. @default DEFAULT_READ_AHEAD_BYTES */
  readAheadBytes?: number
  /** Reads in flight at once. @default DEFAULT_READS_IN_FLIGHT */
  readsInFlight?: number
  /** Shown in error messages instead of the read path. */
  displayPath?: (file: WalkFile) => string
}

export const DEFAULT_READ_AHEAD_BYTES = 16 * 1024 * 1024
export const DEFAULT_READS_IN_FLIGHT = 32
/** Below this a chunk gets its own small buffer instead of a pooled chunk-sized one. */
const SMALL_READ_BYTES = 64 * 1024

interface OpenFile {
  file: WalkFile
  handle: Promise<FileHandle>
  pending: number
  scheduledAll: boolean
}

interface Job {
  fileIndex: number
  promise: Promise<Chunk>
  length: number
  last: boolean
}

/**
 * Reads the files' chunks in order while keeping a bounded window of reads in flight ahead of the consumer, across
 * file boundaries, so the disk (or page cache) and the hashing overlap. Every read is checked against the size
 * seen when the folder was listed: a file that grows or shrinks meanwhile is a FileChangedError, never a wrong CID.
 */
export class ChunkReader {
  readonly #files: readonly WalkFile[]
  readonly #chunkSize: number
  readonly #readAhead: number
  readonly #maxJobs: number
  readonly #pool: BufferPool
  readonly #display: (file: WalkFile) => string
  readonly #jobs: Job[] = []
  readonly #open = new Map<number, OpenFile>()
  #inFlightBytes = 0
  #nextFile = 0
  #nextOffset = 0
  #closed = false

  constructor (files: readonly WalkFile[], chunkSize: number, options: ChunkReaderOptions = {}) {
    this.#files = files
    this.#chunkSize = chunkSize
    this.#readAhead = options.readAheadBytes ?? DEFAULT_READ_AHEAD_BYTES
    this.#maxJobs = options.readsInFlight ?? DEFAULT_READS_IN_FLIGHT
    this.#display = options.displayPath ?? (f => f.relPath)
    // +1: the last read of a file asks for one byte more than expected to notice a file that grew
    this.#pool = new BufferPool(chunkSize + 1, Math.ceil(this.#readAhead / chunkSize) + 8)
  }

  /** The next chunk of file `fileIndex`; files and chunks must be asked for in order. */
  async next (fileIndex: number): Promise<Chunk> {
    this.#fill()
    const job = this.#jobs.shift()
    if (job === undefined || job.fileIndex !== fileIndex) throw new Error(`chunks read out of order (file ${fileIndex})`)
    const chunk = await job.promise
    this.#inFlightBytes -= job.length
    this.#fill()
    return chunk
  }

  /** Waits for outstanding reads and closes every file; call on success and on failure. */
  async close (): Promise<void> {
    this.#closed = true
    await Promise.allSettled(this.#jobs.map(async j => await j.promise))
    this.#jobs.length = 0
    await Promise.allSettled([...this.#open.values()].map(async o => await (await o.handle).close()))
    this.#open.clear()
  }

  #fill (): void {
    while (!this.#closed && this.#nextFile < this.#files.length && this.#jobs.length < this.#maxJobs &&
      (this.#inFlightBytes < this.#readAhead || this.#jobs.length === 0)) {
      this.#schedule()
    }
  }

  #schedule (): void {
    const fileIndex = this.#nextFile
    const file = this.#files[fileIndex]
    let state = this.#open.get(fileIndex)
    if (state === undefined) {
      state = { file, handle: this.#openFile(file), pending: 0, scheduledAll: false }
      // the rejection is reported by the job that awaits it
      state.handle.catch(() => {})
      this.#open.set(fileIndex, state)
    }
    const offset = this.#nextOffset
    const length = Math.min(this.#chunkSize, file.size - offset)
    const last = offset + length >= file.size
    if (last) {
      this.#nextFile++
      this.#nextOffset = 0
      state.scheduledAll = true
    } else {
      this.#nextOffset += length
    }
    state.pending++
    const promise = this.#read(state, offset, length, last).finally(() => this.#settle(fileIndex))
    promise.catch(() => {})
    this.#jobs.push({ fileIndex, promise, length, last })
    this.#inFlightBytes += length
  }

  async #openFile (file: WalkFile): Promise<FileHandle> {
    let handle: FileHandle
    try {
      handle = await open(file.readPath, 'r')
    } catch (err) {
      throw fsError(err, this.#display(file), 'a file')
    }
    const st = await handle.stat()
    if (st.size !== file.size) {
      await handle.close()
      throw this.#changed(file, `its size went from ${file.size} to ${st.size} bytes`)
    }
    return handle
  }

  async #read (state: OpenFile, offset: number, length: number, last: boolean): Promise<Chunk> {
    const handle = await state.handle
    // asking one byte past the expected end of the file tells a file that grew from one that did not
    const want = last ? length + 1 : length
    const pooled = want > SMALL_READ_BYTES
    const buffer = pooled ? this.#pool.take() : Buffer.allocUnsafe(want)
    let got = 0
    try {
      while (got < want) {
        const { bytesRead } = await handle.read(buffer, got, want - got, offset + got)
        if (bytesRead === 0) break
        got += bytesRead
      }
    } catch (err) {
      if (pooled) this.#pool.give(buffer)
      throw fsError(err, this.#display(state.file), 'a file')
    }
    if (got !== length) {
      if (pooled) this.#pool.give(buffer)
      throw this.#changed(state.file, got > length ? 'it grew' : 'it shrank')
    }
    const bytes = buffer.subarray(0, length)
    return { bytes, last, release: pooled ? () => this.#pool.give(buffer) : undefined }
  }

  #settle (fileIndex: number): void {
    const state = this.#open.get(fileIndex)
    if (state === undefined) return
    state.pending--
    if (state.pending === 0 && state.scheduledAll) {
      this.#open.delete(fileIndex)
      state.handle.then(async h => await h.close(), () => {}).catch(() => {})
    }
  }

  #changed (file: WalkFile, how: string): Error {
    return new FileChangedError(`${this.#display(file)} changed while it was being packed (${how}). ` +
      'Pack again once nothing is writing to the folder.')
  }
}
