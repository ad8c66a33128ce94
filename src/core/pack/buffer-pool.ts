/**
 * Reuses chunk-sized buffers once their bytes are on disk: fresh megabyte allocations are page-faulted and zeroed by
 * the kernel each time, which costs as much as hashing them.
 */
export class BufferPool {
  readonly size: number
  readonly #free: Buffer[] = []
  readonly #keep: number

  constructor (size: number, keep: number) {
    this.size = size
    this.#keep = keep
  }

  take (): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(this.size)
  }

  give (buffer: Buffer): void {
    if (buffer.byteLength === this.size && this.#free.length < this.#keep) this.#free.push(buffer)
  }
}
