import { open, type FileHandle } from 'node:fs/promises'

/** Open segment files kept for reads; segments are immutable, so a handle stays valid until closed here. */
export const DEFAULT_MAX_OPEN_FILES = 64

interface Entry { fh: Promise<FileHandle>, users: number, lastUse: number, forgotten?: boolean }

/** A small LRU of read-only file handles with reference counts, so eviction never closes a handle mid-read. */
export class FdCache {
  private readonly entries = new Map<string, Entry>()
  private clock = 0

  constructor (private readonly maxOpen = DEFAULT_MAX_OPEN_FILES) {}

  async read (path: string, offset: number, length: number): Promise<Uint8Array> {
    let entry = this.entries.get(path)
    if (entry === undefined) {
      entry = { fh: open(path, 'r'), users: 0, lastUse: 0 }
      this.entries.set(path, entry)
      entry.fh.catch(() => this.entries.delete(path))
    }
    entry.users++
    entry.lastUse = ++this.clock
    try {
      const fh = await entry.fh
      const buf = Buffer.allocUnsafe(length)
      let got = 0
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got)
        if (bytesRead === 0) throw new Error(`segment ${path} is shorter than its index says (wanted ${length} bytes at ${offset})`)
        got += bytesRead
      }
      return buf
    } finally {
      entry.users--
      if (entry.forgotten === true && entry.users === 0) entry.fh.then(async fh => await fh.close()).catch(() => {})
      this.evict()
    }
  }

  /** The file is about to be deleted: close its handle now, or after the reads in progress. */
  forget (path: string): void {
    const entry = this.entries.get(path)
    if (entry === undefined) return
    this.entries.delete(path)
    entry.forgotten = true
    if (entry.users === 0) entry.fh.then(async fh => await fh.close()).catch(() => {})
  }

  private evict (): void {
    if (this.entries.size <= this.maxOpen) return
    let victim: [string, Entry] | undefined
    for (const e of this.entries) {
      if (e[1].users === 0 && (victim === undefined || e[1].lastUse < victim[1].lastUse)) victim = e
    }
    if (victim === undefined) return
    this.entries.delete(victim[0])
    victim[1].fh.then(async fh => await fh.close()).catch(() => {})
  }

  async closeAll (): Promise<void> {
    const all = [...this.entries.values()]
    this.entries.clear()
    await Promise.all(all.map(async e => await e.fh.then(async fh => await fh.close()).catch(() => {})))
  }
}
