import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import { IDENTITY } from '../../core/car/verify.js'
import { FdCache } from './fd-cache.js'

/** Staged block bytes are written to disk in batches of about this size (one syscall per batch, not per block). */
export const DEFAULT_WRITE_BATCH_BYTES = 4 * 1024 * 1024

/** A datasync is issued after about this many staged bytes, spreading the flush over the upload. */
export const DEFAULT_SYNC_EVERY_BYTES = 16 * 1024 * 1024

export const SEGMENT_SUFFIX = '.seg'
const TEMP_SUFFIX = '.tmp'
/** Segments written by garbage collection end in this (so an operator can tell them apart in quarantine/). */
export const GC_SEGMENT_SUFFIX = '-gc.seg'

/** Where one block lives: segment number, byte offset and length. */
export interface BlockLocation { seg: number, off: number, len: number }

/** Index entries as journaled: [base64 multihash, offset, length]. */
export type SegmentEntry = [string, number, number]

/** Blocks are deduplicated by multihash: the same bytes under raw and dag-pb codecs are one block. */
export function blockKey (cid: CID): string {
  return Buffer.from(cid.multihash.bytes).toString('base64')
}

/**
 * Content-addressed block store. Block bytes live in immutable segment files (one per accepted upload that
 * brought new blocks); the index from multihash to (segment, offset, length) is rebuilt from the journal on
 * start. A segment becomes visible only through a journal record written after the segment is fsynced and
 * renamed into place, so a crash can leave an unreferenced segment but never an index entry
 * pointing at missing or partial bytes.
 * An unreferenced segment is moved to quarantine on start, never deleted.
 */
export class BlockStore {
  /** Segment names by number; undefined once garbage collection dropped it. */
  private readonly segments: Array<string | undefined> = []
  private readonly segmentIds = new Map<string, number>()
  private readonly index = new Map<string, BlockLocation>()
  /** Keys whose indexed location is in each segment (what a segment still holds that counts). */
  private readonly segmentKeys = new Map<number, Set<string>>()
  /** Segments a journaled collection dropped: a file of that name left by a crash is garbage. */
  private readonly dropped = new Set<string>()
  /** Blocks an upload in flight skipped because they were stored already: collection must keep them. */
  private readonly claims = new Map<string, number>()
  private readonly doomed = new Set<string>()
  private readonly fds: FdCache
  private bytes = 0

  constructor (readonly dir: string) {
    this.fds = new FdCache()
  }

  static async create (dir: string): Promise<BlockStore> {
    await mkdir(dir, { recursive: true })
    return new BlockStore(dir)
  }

  get blockCount (): number { return this.index.size }
  get storedBytes (): number { return this.bytes }
  get segmentCount (): number { return this.segmentIds.size }

  has (cid: CID): boolean {
    return cid.multihash.code === IDENTITY || this.hasKey(blockKey(cid))
  }

  /** Whether the block is stored (and not about to be dropped: an upload must then store its own copy). */
  hasKey (key: string): boolean { return this.index.has(key) && !this.doomed.has(key) }

  /**
   * Marks blocks a collection is about to drop (its record is being written): from now on uploads stage their own
   * copies instead of counting on these. `undoom` when the record is applied (or failed).
   */
  doom (keys: string[]): void { for (const k of keys) this.doomed.add(k) }
  undoom (keys: string[]): void { for (const k of keys) this.doomed.delete(k) }

  /** Size in bytes, or undefined when absent. */
  sizeOf (cid: CID): number | undefined {
    if (cid.multihash.code === IDENTITY) return cid.multihash.digest.length
    return this.index.get(blockKey(cid))?.len
  }

  async get (cid: CID): Promise<Uint8Array | undefined> {
    if (cid.multihash.code === IDENTITY) return cid.multihash.digest
    const key = blockKey(cid)
    const loc = this.index.get(key)
    if (loc === undefined) return undefined
    try {
      return await this.readAt(loc)
    } catch (err) {
      // a collection moved the block (or dropped it) between the lookup and the read: look again once
      const now = this.index.get(key)
      if (now === undefined) return undefined
      if (now.seg === loc.seg && now.off === loc.off) throw err
      return await this.readAt(now)
    }
  }

  private register (name: string): number {
    let seg = this.segmentIds.get(name)
    if (seg === undefined) {
      seg = this.segments.length
      this.segments.push(name)
      this.segmentIds.set(name, seg)
      this.segmentKeys.set(seg, new Set())
    }
    return seg
  }

  /** Applies a journaled segment record. Entries already indexed keep their first location. Returns new keys. */
  applySegment (name: string, entries: SegmentEntry[]): string[] {
    const seg = this.register(name)
    const keys = this.segmentKeys.get(seg) as Set<string>
    const added: string[] = []
    for (const [key, off, len] of entries) {
      if (this.index.has(key)) continue
      this.index.set(key, { seg, off, len })
      keys.add(key)
      this.bytes += len
      added.push(key)
    }
    return added
  }

  /**
   * Applies a journaled collection: `moved` blocks now live in segment `name` (their copies), and every block still
   * indexed in a `drop` segment is gone, the segment with it.
   */
  applyCollection (name: string | null, moved: SegmentEntry[], drop: string[]): void {
    if (name !== null) {
      const seg = this.register(name)
      const keys = this.segmentKeys.get(seg) as Set<string>
      for (const [key, off, len] of moved) {
        const old = this.index.get(key)
        if (old === undefined) continue
        this.segmentKeys.get(old.seg)?.delete(key)
        this.index.set(key, { seg, off, len })
        keys.add(key)
      }
    }
    for (const d of drop) {
      this.dropped.add(d)
      const seg = this.segmentIds.get(d)
      if (seg === undefined) continue
      for (const key of this.segmentKeys.get(seg) ?? []) {
        const loc = this.index.get(key)
        if (loc?.seg !== seg) continue
        this.index.delete(key)
        this.bytes -= loc.len
      }
      this.segmentKeys.delete(seg)
      this.segmentIds.delete(d)
      this.segments[seg] = undefined
    }
  }

  /** Every live segment with the blocks it holds (index order), for collection and for a compacted journal. */
  segmentList (): Array<{ name: string, entries: SegmentEntry[], bytes: number }> {
    const out: Array<{ name: string, entries: SegmentEntry[], bytes: number }> = []
    for (const [name, seg] of this.segmentIds) {
      const entries: SegmentEntry[] = []
      let bytes = 0
      for (const key of this.segmentKeys.get(seg) ?? []) {
        const loc = this.index.get(key) as BlockLocation
        entries.push([key, loc.off, loc.len])
        bytes += loc.len
      }
      entries.sort((a, b) => a[1] - b[1])
      out.push({ name, entries, bytes })
    }
    return out
  }

  lengthOf (key: string): number | undefined { return this.index.get(key)?.len }

  /** Keys currently indexed in segment `name`. */
  keysOf (name: string): string[] {
    const seg = this.segmentIds.get(name)
    return seg === undefined ? [] : [...this.segmentKeys.get(seg) ?? []]
  }

  claim (key: string): void { this.claims.set(key, (this.claims.get(key) ?? 0) + 1) }
  release (key: string): void {
    const n = (this.claims.get(key) ?? 0) - 1
    if (n <= 0) this.claims.delete(key)
    else this.claims.set(key, n)
  }

  isClaimed (key: string): boolean { return this.claims.has(key) }

  /**
   * Copies the given blocks into one new segment (fsynced and renamed into place before this resolves), for a
   * collection to journal. Returns null when there is nothing to copy.
   */
  async copyInto (keys: string[]): Promise<{ name: string, entries: SegmentEntry[] } | null> {
    if (keys.length === 0) return null
    const base = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`
    const temp = join(this.dir, base + '-gc' + TEMP_SUFFIX)
    const name = base + GC_SEGMENT_SUFFIX
    const fh = await open(temp, 'w')
    const entries: SegmentEntry[] = []
    try {
      let offset = 0
      for (const key of keys) {
        const loc = this.index.get(key)
        if (loc === undefined) continue
        const bytes = await this.readAt(loc)
        let written = 0
        while (written < bytes.length) written += (await fh.write(bytes, written, bytes.length - written, offset + written)).bytesWritten
        entries.push([key, offset, bytes.length])
        offset += bytes.length
      }
      await fh.sync()
    } catch (err) {
      await fh.close().catch(() => {})
      await rm(temp, { force: true })
      throw err
    }
    await fh.close()
    await rename(temp, join(this.dir, name))
    await syncDir(this.dir)
    return { name, entries }
  }

  /**
   * Segments the journal references whose file is gone (a damaged journal repaired without the record of a
   * collection that deleted them): their blocks are dropped from the index, so nothing claims bytes that are not
   * there. Returns their names.
   */
  async dropMissingSegments (): Promise<string[]> {
    const present = new Set(await readdir(this.dir))
    const missing = [...this.segmentIds.keys()].filter(name => !present.has(name))
    if (missing.length > 0) this.applyCollection(null, [], missing)
    return missing
  }

  /** Deletes the files of segments a journaled collection dropped. */
  async removeSegmentFiles (names: string[]): Promise<void> {
    for (const name of names) {
      this.fds.forget(join(this.dir, name))
      await rm(join(this.dir, name), { force: true })
    }
    if (names.length > 0) await syncDir(this.dir)
  }

  /** Every indexed block: key and location (for integrity checks). */
  * entries (): IterableIterator<[string, BlockLocation]> {
    yield * this.index.entries()
  }

  async readAt (loc: BlockLocation): Promise<Uint8Array> {
    const name = this.segments[loc.seg]
    if (name === undefined) throw new Error('the segment of this block was dropped by garbage collection')
    return await this.fds.read(join(this.dir, name), loc.off, loc.len)
  }

  /**
   * Tidies what no journal record references. Temp files are uploads that were never acknowledged (a crash before
   * their segment was renamed): removed. An unreferenced segment is usually a crash between its rename and its journal
   * line, but it may also be acknowledged data whose record was lost to damage: it is moved to `quarantineDir`,
   * never deleted, so an operator can still recover it.
   */
  async quarantineOrphans (quarantineDir: string): Promise<{ quarantined: string[], tempRemoved: string[] }> {
    const quarantined: string[] = []
    const tempRemoved: string[] = []
    for (const name of await readdir(this.dir)) {
      const unreferenced = name.endsWith(SEGMENT_SUFFIX) && !this.segmentIds.has(name)
      // garbage a journaled collection dropped (its live blocks were copied first) holds nothing the journal needs;
      // an unreferenced copy of a collection (`-gc.seg`) is usually one a crash interrupted, but if its record was
      // lost to damage it holds the only copies, so it is quarantined like any other
      if (name.endsWith(TEMP_SUFFIX) || (unreferenced && this.dropped.has(name))) {
        await rm(join(this.dir, name), { force: true })
        tempRemoved.push(name)
      } else if (unreferenced) {
        if (quarantined.length === 0) await mkdir(quarantineDir, { recursive: true })
        await rename(join(this.dir, name), join(quarantineDir, name))
        quarantined.push(name)
      }
    }
    if (quarantined.length > 0) { await syncDir(quarantineDir); await syncDir(this.dir) }
    return { quarantined, tempRemoved }
  }

  /** A new staging area for one upload's blocks. */
  stage (): Staging {
    return new Staging(this)
  }

  async close (): Promise<void> {
    await this.fds.closeAll()
  }
}

export interface StagedSegment {
  /** Segment file name, or null when every block was already stored (nothing was kept on disk). */
  name: string | null
  entries: SegmentEntry[]
  /** Blocks carried that the store had already (not in `entries`). */
  also: string[]
  /** Bytes of all blocks put (new or not). */
  bytes: number
  blocks: number
}

/**
 * Collects one upload's new blocks into a temp file. `finish()` fsyncs it, renames it to a segment and fsyncs
 * the directory; only then may the caller journal the entries. Blocks already in the store, or put twice, are
 * written once.
 */
export class Staging {
  private fh: FileHandle | undefined
  private readonly tempName = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`
  private readonly entries: SegmentEntry[] = []
  private readonly seen = new Set<string>()
  /** Blocks skipped because the store had them: claimed so a collection keeps them until this upload is journaled. */
  private readonly claimed: string[] = []
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  private offset = 0
  private totalBytes = 0
  private totalBlocks = 0
  private done = false
  /** The write in flight (at most one, plus the batch being filled). */
  private writing: Promise<void> = Promise.resolve()
  private unsynced = 0

  constructor (private readonly store: BlockStore) {}

  async put (cid: CID, bytes: Uint8Array): Promise<void> {
    this.totalBytes += bytes.length
    this.totalBlocks++
    if (cid.multihash.code === IDENTITY) return
    const key = blockKey(cid)
    if (this.seen.has(key)) return
    if (this.store.hasKey(key)) {
      this.seen.add(key)
      this.store.claim(key)
      this.claimed.push(key)
      return
    }
    this.seen.add(key)
    this.entries.push([key, this.offset + this.pendingBytes, bytes.length])
    this.pending.push(bytes)
    this.pendingBytes += bytes.length
    if (this.pendingBytes >= DEFAULT_WRITE_BATCH_BYTES) await this.flush()
  }

  /**
   * Hands the batch to the disk and returns once the previous batch is written, so parsing and hashing the
   * next batch overlaps this one's write. Every DEFAULT_SYNC_EVERY_BYTES a datasync is queued too, so the disk
   * flushes while the upload streams and the final fsync has little left to do.
   */
  private async flush (): Promise<void> {
    if (this.pending.length === 0) return
    const buffers = this.pending
    const length = this.pendingBytes
    const position = this.offset
    this.pending = []
    this.pendingBytes = 0
    this.offset += length
    const previous = this.writing
    this.writing = previous.then(async () => {
      if (this.fh === undefined) this.fh = await open(join(this.store.dir, this.tempName + TEMP_SUFFIX), 'w')
      let written = 0
      while (written < length) {
        // writev may write partially; continue from where it stopped
        const { bytesWritten } = await this.fh.writev(sliceFrom(buffers, written), position + written)
        written += bytesWritten
      }
      this.unsynced += length
      if (this.unsynced >= DEFAULT_SYNC_EVERY_BYTES) {
        this.unsynced = 0
        await this.fh.datasync()
      }
    })
    await previous
  }

  async finish (): Promise<StagedSegment> {
    if (this.done) throw new Error('staging already finished')
    this.done = true
    await this.flush()
    await this.writing
    const stats = { entries: this.entries, also: [...this.claimed], bytes: this.totalBytes, blocks: this.totalBlocks }
    if (this.fh === undefined) return { name: null, ...stats }
    await this.fh.sync()
    await this.fh.close()
    this.fh = undefined
    const name = this.tempName + SEGMENT_SUFFIX
    await rename(join(this.store.dir, this.tempName + TEMP_SUFFIX), join(this.store.dir, name))
    await syncDir(this.store.dir)
    return { name, ...stats }
  }

  /** Lets a collection have the blocks this upload skipped (once its record is journaled, or it failed). */
  release (): void {
    for (const key of this.claimed.splice(0)) this.store.release(key)
  }

  /** Drops everything staged (bad CAR, aborted request). */
  async abort (): Promise<void> {
    this.release()
    this.done = true
    this.pending = []
    await this.writing.catch(() => {})
    if (this.fh !== undefined) {
      await this.fh.close().catch(() => {})
      this.fh = undefined
    }
    await rm(join(this.store.dir, this.tempName + TEMP_SUFFIX), { force: true })
  }

  /** Removes a finished segment that turned out to add nothing (a concurrent upload stored the same blocks first). */
  async discard (name: string): Promise<void> {
    await rm(join(this.store.dir, name), { force: true })
  }
}

function sliceFrom (buffers: Uint8Array[], skip: number): Uint8Array[] {
  if (skip === 0) return buffers
  const out: Uint8Array[] = []
  for (const b of buffers) {
    if (skip >= b.length) { skip -= b.length; continue }
    out.push(skip > 0 ? b.subarray(skip) : b)
    skip = 0
  }
  return out
}

export async function syncDir (dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try { await fh.sync() } finally { await fh.close() }
}
