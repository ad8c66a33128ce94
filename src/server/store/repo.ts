import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { BlockStore, blockKey, type Staging, type StagedSegment } from './blocks.js'
import { blockLinks, hasLinks } from './links.js'
import { IDENTITY } from '../../core/car/verify.js'
import { DagWalk } from './dag-walk.js'
import { Journal, type JournalTail } from './journal.js'
import type { BatchPiece, BatchRecord, FetchFailure, JournalRecord, PinataPinRecord, PinRecord, UploadApi, UploadRecord } from './records.js'

/** An upload or pin whose DAG is still incomplete this long after its last data arrived is reported failed. */
export const DEFAULT_PENDING_TIMEOUT_MS = 24 * 60 * 60 * 1000

/** Names inside the data dir. */
export const JOURNAL_FILE = 'journal.log'
export const QUARANTINE_DIR = 'quarantine'

/** What opening had to put right after a crash: a torn journal tail, unreferenced segments, leftover temp files. */
export interface Recovery {
  tail: JournalTail
  /** Segments no journal record references, moved (not deleted) to `quarantineDir`. */
  quarantined: string[]
  quarantineDir: string
  /** Temp files of uploads that were never acknowledged, and segments a journaled collection had dropped, removed. */
  tempRemoved: string[]
  /** Segments the journal references but the disk does not have (after a repair): their blocks are unindexed. */
  missingSegments: string[]
}

export type ContentStatus = 'queued' | 'pinning' | 'pinned' | 'failed'

/** Where a fetch from other nodes stands (seed 002's job states before the end). */
export type FetchPhase = 'prechecking' | 'searching' | 'retrieving'

/** Why a fetch ended short of the whole DAG, as journaled. */
export interface FetchFailureRecord { status: FetchFailure, reason: string, at: string }

export interface RepoOptions {
  /** @default DEFAULT_PENDING_TIMEOUT_MS */
  pendingTimeoutMs?: number
  /** Called when a root's DAG becomes complete. */
  onComplete?: (cid: string, dagSize: number) => void
  /** Garbage collection runs this long after a delete or unpin (or many small uploads); false turns it off. @default DEFAULT_GC_DELAY_MS */
  gcDelayMs?: number | false
  /** Called after each collection that ran. */
  onCollected?: (report: GcReport) => void
}

/** Collection waits this long after the change that called for it, so a burst of deletes makes one run. */
export const DEFAULT_GC_DELAY_MS = 2000
/** Segments smaller than this are merged with each other by collection (1,000 small uploads must not stay 1,000 files). */
export const SMALL_SEGMENT_BYTES = 4 * 1024 * 1024
/** This many new small segments call for a collection that merges them. */
export const SMALL_SEGMENTS_TRIGGER = 16
/** Live bytes one collection copies at most; the rest waits for the next run. */
export const MAX_GC_COPY_BYTES = 256 * 1024 * 1024

/** What one garbage collection did. */
export interface GcReport {
  blocksRemoved: number
  /** Bytes of blocks no longer stored (the disk space freed by dropped segments may be larger: duplicate copies). */
  bytesRemoved: number
  segmentsBefore: number
  segmentsAfter: number
  segmentsDropped: number
  bytesCopied: number
  journalBytesBefore: number
  journalBytesAfter: number
  ms: number
}

export interface NewUpload {
  user: string
  cid: string
  name?: string
  api: UploadApi
  type?: string
  files?: Array<{ name: string, type: string }>
  path?: string
}

/**
 * The service's persistent state: blocks, uploads, PSA pins, and which roots are complete. Everything is
 * rebuilt from the journal on open; every change is journaled (and fsynced) before it is applied in memory,
 * so what callers see has always reached the disk.
 */
export class Repo {
  readonly uploads = new Map<string, Map<string, UploadRecord>>()
  readonly pins = new Map<string, PinRecord>()
  /** Pinata pin-by-CID records by id (jobs, pins and unpinned ones). */
  readonly pinataPins = new Map<string, PinataPinRecord>()
  private readonly completeRoots = new Map<string, number>()
  /** Fetches from other nodes that ended without the whole DAG (journaled), by root. */
  readonly fetchFailures = new Map<string, FetchFailureRecord>()
  /** Deal batches by id, their pieces, and the batch (and selector) of each root batched. */
  readonly batches = new Map<number, BatchRecord>()
  readonly pieces = new Map<number, BatchPiece>()
  readonly batchOf = new Map<string, { id: number, selector: string }>()
  /** Fetches queued or running now (not journaled: a restart queues them again). */
  private readonly phases = new Map<string, FetchPhase>()
  /** When a root was found complete (journals written before this was recorded have none). */
  private readonly completedAt = new Map<string, string>()
  private readonly walks = new Map<string, { walk: DagWalk, run: Promise<void> }>()
  /**
   * Blocks uploaded under each root whose DAG is not complete yet. Reachability from the root cannot vouch for them
   * (a parent may still be missing, as between pinship's shards), so collection keeps them by name until it is.
   */
  private readonly partial = new Map<string, Set<string>>()
  /** block key → roots whose walk is waiting for it */
  private readonly waiting = new Map<string, Set<string>>()
  private lock: Promise<void> = Promise.resolve()
  private lastStamp = 0
  private gcTimer: NodeJS.Timeout | undefined
  private gcChain: Promise<void> = Promise.resolve()
  private smallSegments = 0
  private closed = false
  /** Journal size right after its last compaction (0: not compacted since start). */
  private snapshotBytes = 0
  readonly pendingTimeoutMs: number

  private constructor (readonly blocks: BlockStore, private journal: Journal | undefined, private readonly options: RepoOptions) {
    this.pendingTimeoutMs = options.pendingTimeoutMs ?? DEFAULT_PENDING_TIMEOUT_MS
  }

  static async open (dataDir: string, options: RepoOptions = {}): Promise<{ repo: Repo, recovery: Recovery }> {
    await mkdir(dataDir, { recursive: true })
    const blocks = await BlockStore.create(join(dataDir, 'blocks'))
    const repo = new Repo(blocks, undefined, options)
    const quarantineDir = join(dataDir, QUARANTINE_DIR)
    const { journal, tail } = await Journal.open(join(dataDir, JOURNAL_FILE), r => repo.apply(r as JournalRecord), {
      saveCutTo: join(quarantineDir, `journal-tail-${new Date().toISOString().replace(/[:.]/g, '-')}.log`),
      repairHint: `\`pinship repair --data ${dataDir}\``
    })
    repo.journal = journal
    const { quarantined, tempRemoved } = await blocks.quarantineOrphans(quarantineDir)
    const missingSegments = await blocks.dropMissingSegments()
    // completion marks may count blocks of a missing segment: walk every root again
    if (missingSegments.length > 0) { repo.completeRoots.clear(); repo.completedAt.clear() }
    // roots not known complete: resume their walks (a crash may have lost the 'complete' record, never the blocks)
    for (const cid of repo.referencedRoots()) {
      if (!repo.completeRoots.has(cid)) await repo.checkRoot(cid)
    }
    return { repo, recovery: { tail, quarantined, quarantineDir, tempRemoved, missingSegments } }
  }

  private referencedRoots (): Set<string> {
    const roots = new Set<string>()
    for (const m of this.uploads.values()) for (const cid of m.keys()) roots.add(cid)
    for (const p of this.pins.values()) roots.add(p.cid)
    for (const p of this.pinataPins.values()) if (p.unpinned === undefined) roots.add(p.cid)
    return roots
  }

  private apply (r: JournalRecord): string[] {
    switch (r.t) {
      case 'commit': {
        if (r.upload !== undefined) this.seenStamp(r.upload.updated)
        const added = r.seg === null ? [] : this.blocks.applySegment(r.seg, r.blocks)
        if (r.upload !== undefined) {
          this.userUploads(r.upload.user).set(r.upload.cid, r.upload)
          if (!this.completeRoots.has(r.upload.cid)) {
            let keys = this.partial.get(r.upload.cid)
            if (keys === undefined) { keys = new Set(); this.partial.set(r.upload.cid, keys) }
            for (const [key] of r.blocks) keys.add(key)
            for (const key of r.also ?? []) keys.add(key)
          }
        }
        return added
      }
      case 'complete':
        this.partial.delete(r.cid)
        this.completeRoots.set(r.cid, r.dagSize)
        if (r.at !== undefined) this.completedAt.set(r.cid, r.at)
        break
      case 'unupload': this.uploads.get(r.user)?.delete(r.cid); break
      case 'pin': this.seenStamp(r.pin.created); this.pins.set(r.pin.requestid, r.pin); break
      case 'unpin': this.pins.delete(r.requestid); break
      case 'replace': this.seenStamp(r.pin.created); this.pins.delete(r.old); this.pins.set(r.pin.requestid, r.pin); break
      case 'pinata-pin':
        this.seenStamp(r.pin.created)
        if (r.replaces !== undefined) this.pinataPins.delete(r.replaces)
        this.pinataPins.set(r.pin.id, r.pin)
        break
      case 'fetch': {
        const added = r.seg === null ? [] : this.blocks.applySegment(r.seg, r.blocks)
        if (!this.completeRoots.has(r.root)) {
          let keys = this.partial.get(r.root)
          if (keys === undefined) { keys = new Set(); this.partial.set(r.root, keys) }
          for (const [key] of r.blocks) keys.add(key)
          for (const key of r.also ?? []) keys.add(key)
        }
        return added
      }
      case 'batch': {
        const added = r.seg === null ? [] : this.blocks.applySegment(r.seg, r.blocks)
        this.batches.set(r.batch.id, r.batch)
        for (const e of r.batch.entries) if (!this.batchOf.has(e.cid)) this.batchOf.set(e.cid, { id: r.batch.id, selector: e.selector })
        return added
      }
      case 'batch-piece': this.pieces.set(r.piece.id, r.piece); break
      case 'fetch-failed': this.fetchFailures.set(r.cid, { status: r.status, reason: r.reason, at: r.at }); break
      case 'collect':
        this.blocks.applyCollection(r.seg, r.blocks, r.drop)
        for (const cid of r.forget) { this.completeRoots.delete(cid); this.completedAt.delete(cid); this.walks.delete(cid) }
        break
      case 'pinata-unpin':
        for (const [id, p] of this.pinataPins) if (p.user === r.user && p.cid === r.cid && p.unpinned === undefined) this.pinataPins.delete(id)
        this.uploads.get(r.user)?.delete(r.cid)
        for (const [id, p] of this.pins) if (p.user === r.user && p.cid === r.cid) this.pins.delete(id)
        this.pinataPins.set(r.record.id, r.record)
        break
    }
    return []
  }

  private seenStamp (iso: string): void {
    const t = Date.parse(iso)
    if (t > this.lastStamp) this.lastStamp = t
  }

  private async write (record: JournalRecord): Promise<string[]> {
    if (this.journal === undefined) throw new Error('repository is closed')
    await this.journal.append(record)
    return this.apply(record)
  }

  /** Runs `fn` alone: journal order must equal apply order. */
  private async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn)
    this.lock = run.then(() => {}, () => {})
    return await run
  }

  /**
   * Strictly increasing ISO timestamps: listings page with `before=<oldest created>`, which would skip or
   * repeat records that share a millisecond.
   */
  private stamp (): string {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1)
    return new Date(this.lastStamp).toISOString()
  }

  userUploads (user: string): Map<string, UploadRecord> {
    let m = this.uploads.get(user)
    if (m === undefined) { m = new Map(); this.uploads.set(user, m) }
    return m
  }

  /** The staged segment's name, or null (and the segment discarded) when the store already holds every block in it. */
  private async unlessAllHeld (staging: Staging, segment: StagedSegment): Promise<string | null> {
    const seg = segment.name
    if (seg === null || !segment.entries.every(([key]) => this.blocks.hasKey(key))) return seg
    await staging.discard(seg)
    return null
  }

  /**
   * Makes an upload durable: the staged segment is fsynced and renamed, then one journal record carries both
   * its block index and the upload record. Resolves after the completeness walk, so the caller can answer with
   * the final status.
   */
  async commitUpload (staging: Staging, upload: NewUpload): Promise<{ record: UploadRecord, segment: StagedSegment }> {
    const segment = await finishStaged(staging)
    const { record, added } = await this.exclusive(async () => {
      if (segment.name !== null && segment.bytes < SMALL_SEGMENT_BYTES && ++this.smallSegments >= SMALL_SEGMENTS_TRIGGER) this.scheduleGc()
      // null when a concurrent upload stored all of these first
      const seg = await this.unlessAllHeld(staging, segment)
      const now = this.stamp()
      const previous = this.userUploads(upload.user).get(upload.cid)
      const record: UploadRecord = previous === undefined
        ? { id: randomUUID(), created: now, updated: now, ...dropUndefined(upload), name: upload.name ?? '' }
        : { ...previous, ...dropUndefined(upload), name: upload.name ?? previous.name, updated: now }
      // blocks this upload carried but did not index itself (stored already, or by a concurrent upload first)
      const also = seg === null ? [...segment.also, ...segment.entries.map(e => e[0])] : segment.also
      const added = await this.write({ t: 'commit', seg, blocks: seg === null ? [] : segment.entries, upload: record, ...(also.length > 0 ? { also } : {}) })
      return { record, added }
    }).finally(() => staging.release())
    await this.blocksArrived(added)
    await this.checkRoot(upload.cid)
    return { record, segment }
  }

  /**
   * Makes blocks fetched from another node for `root` durable (segment fsynced, then one journal record), then walks
   * the DAG again. Used by pin-by-CID fetches, which commit as they go so a crash loses at most one batch.
   */
  async commitFetched (staging: Staging, root: string): Promise<StagedSegment> {
    const segment = await finishStaged(staging)
    const added = await this.exclusive(async () => {
      const seg = await this.unlessAllHeld(staging, segment)
      const also = seg === null ? [...segment.also, ...segment.entries.map(e => e[0])] : segment.also
      return await this.write({ t: 'fetch', root, seg, blocks: seg === null ? [] : segment.entries, ...(also.length > 0 ? { also } : {}) })
    }).finally(() => staging.release())
    await this.blocksArrived(added)
    await this.checkRoot(root)
    return segment
  }

  /** Journals a deal batch with its root block (staged by the caller). */
  async commitBatch (staging: Staging, batch: BatchRecord): Promise<void> {
    const segment = await finishStaged(staging)
    await this.exclusive(async () => {
      const seg = await this.unlessAllHeld(staging, segment)
      await this.write({ t: 'batch', batch, seg, blocks: seg === null ? [] : segment.entries })
    }).finally(() => staging.release())
  }

  async recordBatchPiece (piece: BatchPiece): Promise<void> {
    await this.exclusive(async () => { await this.write({ t: 'batch-piece', piece }) })
  }

  /** Complete roots some upload or pin references that are in no deal batch yet, oldest completion first. */
  unbatchedRoots (): Array<{ cid: string, dagSize: number }> {
    const out: Array<{ cid: string, dagSize: number, at: string }> = []
    for (const cid of this.referencedRoots()) {
      const size = this.completeRoots.get(cid)
      if (size === undefined || this.batchOf.has(cid)) continue
      out.push({ cid, dagSize: size, at: this.completedAt.get(cid) ?? '' })
    }
    return out.sort((a, b) => a.at.localeCompare(b.at)).map(({ cid, dagSize }) => ({ cid, dagSize }))
  }

  /** Journals that fetching `cid` from other nodes failed; requests made before now report it. */
  async recordFetchFailure (cid: string, status: FetchFailure, reason: string): Promise<void> {
    await this.exclusive(async () => { await this.write({ t: 'fetch-failed', cid, status, reason, at: this.stamp() }) })
  }

  /** The fetch failure that a request made (or last fed) at `since` sees, if any. */
  fetchFailureFor (cid: string, since: string): FetchFailureRecord | undefined {
    const f = this.fetchFailures.get(cid)
    return f !== undefined && since <= f.at ? f : undefined
  }

  setFetchPhase (cid: string, phase: FetchPhase | undefined): void {
    if (phase === undefined) this.phases.delete(cid)
    else this.phases.set(cid, phase)
  }

  fetchPhase (cid: string): FetchPhase | undefined { return this.phases.get(cid) }

  /** The blocks of `cid`'s DAG reached but not stored yet (after walking it over what is stored now). */
  async missingBlocks (cid: string): Promise<CID[]> {
    await this.checkRoot(cid)
    if (this.completeRoots.has(cid)) return []
    return [...(this.walks.get(cid)?.walk.missing.values() ?? [])]
  }

  async deleteUpload (user: string, cid: string): Promise<boolean> {
    return await this.exclusive(async () => {
      if (this.uploads.get(user)?.has(cid) !== true) return false
      await this.write({ t: 'unupload', user, cid })
      this.scheduleGc()
      return true
    })
  }

  async addPin (pin: Omit<PinRecord, 'requestid' | 'created'>, replaces?: string): Promise<PinRecord> {
    const record: PinRecord = { ...pin, requestid: randomUUID(), created: this.stamp() }
    await this.exclusive(async () => {
      await this.write(replaces === undefined ? { t: 'pin', pin: record } : { t: 'replace', old: replaces, pin: record })
    })
    if (replaces !== undefined) this.scheduleGc()
    await this.checkRoot(record.cid)
    return record
  }

  async removePin (requestid: string): Promise<void> {
    await this.exclusive(async () => { await this.write({ t: 'unpin', requestid }) })
    this.scheduleGc()
  }

  /** A Pinata pin-by-CID request (replacing the record `replaces`, e.g. an expired job pinned again). */
  async addPinataPin (pin: Omit<PinataPinRecord, 'id' | 'created'>, replaces?: string): Promise<PinataPinRecord> {
    const record: PinataPinRecord = { ...dropUndefined(pin), id: randomUUID(), created: this.stamp() }
    await this.exclusive(async () => { await this.write({ t: 'pinata-pin', pin: record, ...(replaces !== undefined ? { replaces } : {}) }) })
    await this.checkRoot(record.cid)
    return record
  }

  /** Pinata unpin of `cid` for `user` in every face; `record` (its `unpinned` set) stays listed as unpinned. */
  async unpinEverywhere (user: string, cid: string, record: Omit<PinataPinRecord, 'unpinned'>): Promise<void> {
    await this.exclusive(async () => {
      await this.write({ t: 'pinata-unpin', user, cid, record: { ...dropUndefined(record), unpinned: this.stamp() } })
    })
    this.scheduleGc()
  }

  /** When `cid` was found complete, if recorded. */
  completedTime (cid: string): string | undefined { return this.completedAt.get(cid) }

  /** A stored block of this DAG cannot be decoded: it can never complete. */
  isBroken (cid: string): boolean { return this.walks.get(cid)?.walk.broken !== undefined }

  /** Complete (every reachable block stored) roots and their DAG size. */
  isComplete (cid: string): boolean { return this.completeRoots.has(cid) }

  /** DAG size: all of it when complete, else the part reached so far. */
  dagSize (cid: string): number {
    return this.completeRoots.get(cid) ?? this.walks.get(cid)?.walk.dagSize ?? 0
  }

  /** Status of something created or last fed at `since` (ISO) whose root is `cid`. */
  statusOf (cid: string, since: string, now = Date.now()): ContentStatus {
    if (this.completeRoots.has(cid)) return 'pinned'
    if (this.walks.get(cid)?.walk.broken !== undefined) return 'failed'
    if (this.fetchFailureFor(cid, since) !== undefined) return 'failed'
    const phase = this.phases.get(cid)
    if (phase !== undefined) return phase === 'prechecking' ? 'queued' : 'pinning'
    return now - Date.parse(since) > this.pendingTimeoutMs ? 'failed' : 'queued'
  }

  /** Why a root is not complete yet (for PSA `info` and error messages). */
  missingCount (cid: string): number {
    return this.walks.get(cid)?.walk.missing.size ?? 0
  }

  /** Every upload (any user) of `cid`. */
  uploadsOf (cid: string): UploadRecord[] {
    const out: UploadRecord[] = []
    for (const m of this.uploads.values()) {
      const r = m.get(cid)
      if (r !== undefined) out.push(r)
    }
    return out
  }

  pinsOf (cid: string): PinRecord[] {
    return [...this.pins.values()].filter(p => p.cid === cid)
  }

  /** Walks a root over stored blocks (resuming where it stopped) and records it when complete. */
  async checkRoot (cid: string): Promise<void> {
    if (this.completeRoots.has(cid)) return
    let entry = this.walks.get(cid)
    if (entry === undefined) {
      entry = { walk: new DagWalk(CID.parse(cid)), run: Promise.resolve() }
      this.walks.set(cid, entry)
    }
    const { walk } = entry
    // walks of one root run one at a time: a finished walk must not judge completeness while another is mid-way
    const run = entry.run.then(async () => {
      if (this.completeRoots.has(cid)) return
      await walk.advance(this.blocks)
      if (walk.complete) {
        this.walks.delete(cid)
        await this.exclusive(async () => { await this.write({ t: 'complete', cid, dagSize: walk.dagSize, at: new Date().toISOString() }) })
        this.options.onComplete?.(cid, walk.dagSize)
      } else {
        for (const key of walk.missing.keys()) {
          let roots = this.waiting.get(key)
          if (roots === undefined) { roots = new Set(); this.waiting.set(key, roots) }
          roots.add(cid)
        }
        // a block may have arrived while this walk ran, after that commit looked for waiting roots
        if ([...walk.missing.values()].some(c => this.blocks.has(c))) this.checkRoot(cid).catch(() => {})
      }
    })
    entry.run = run.catch(() => {})
    await run
  }

  private async blocksArrived (keys: string[]): Promise<void> {
    if (this.waiting.size === 0) return
    const roots = new Set<string>()
    for (const key of keys) {
      const waiting = this.waiting.get(key)
      if (waiting === undefined) continue
      this.waiting.delete(key)
      for (const r of waiting) roots.add(r)
    }
    for (const r of roots) await this.checkRoot(r)
  }

  /** Runs a collection after the configured delay (once for a burst of changes). */
  private scheduleGc (): void {
    const delay = this.options.gcDelayMs ?? DEFAULT_GC_DELAY_MS
    if (delay === false || this.closed || this.gcTimer !== undefined) return
    this.gcTimer = setTimeout(() => {
      this.gcTimer = undefined
      this.collectGarbage().catch(() => { /* the next change schedules another run; the store is unchanged */ })
    }, delay)
    this.gcTimer.unref()
  }

  /**
   * Garbage collection, online: blocks that no user's upload, PSA pin or Pinata pin reaches are removed, and small
   * segments merged. Marking runs beside uploads; only the final journal record takes the write lock. Crash-safe:
   * live blocks are copied into a new segment that is fsynced before one journal record switches the index to it
   * and drops the old segments, whose files are deleted only after that record is on disk. Then the journal is
   * compacted to a snapshot of the state. One collection runs at a time.
   */
  async collectGarbage (): Promise<GcReport> {
    const run = this.gcChain.then(async () => await this.collectOnce())
    this.gcChain = run.then(() => {}, () => {})
    return await run
  }

  private async collectOnce (): Promise<GcReport> {
    const started = Date.now()
    const before = { segments: this.blocks.segmentCount }
    const journalBytesBefore = await this.journal?.size() ?? 0
    this.smallSegments = 0
    const { roots, incomplete } = await this.exclusive(async () => {
      const roots = this.referencedRoots()
      return { roots, incomplete: new Set([...roots].filter(r => !this.completeRoots.has(r))) }
    })
    const live = new Set<string>()
    this.markBatchRoots(live)
    await this.markLive(roots, live)
    this.markPartial(roots, live)
    const keep = (key: string): boolean => live.has(key) || this.blocks.isClaimed(key)

    // rewrite segments that are wholly, mostly or (when small) at all dead; merge small ones when there are several
    const rewrite: Array<{ name: string, copy: string[], liveBytes: number }> = []
    const small: Array<{ name: string, copy: string[], liveBytes: number }> = []
    for (const seg of this.blocks.segmentList()) {
      const copy = seg.entries.filter(([key]) => keep(key))
      const liveBytes = copy.reduce((n, e) => n + e[2], 0)
      const deadBytes = seg.bytes - liveBytes
      const entry = { name: seg.name, copy: copy.map(e => e[0]), liveBytes }
      if (deadBytes > 0 && (liveBytes === 0 || deadBytes * 4 >= seg.bytes || seg.bytes < SMALL_SEGMENT_BYTES)) rewrite.push(entry)
      else if (deadBytes === 0 && seg.bytes < SMALL_SEGMENT_BYTES) small.push(entry)
    }
    const chosen = rewrite.filter(r => r.liveBytes === 0)
    const partly = rewrite.filter(r => r.liveBytes > 0)
    let budget = MAX_GC_COPY_BYTES
    for (const r of [...partly, ...(partly.length + small.length >= 2 ? small : [])]) {
      if (r.liveBytes > budget) continue
      budget -= r.liveBytes
      chosen.push(r)
    }
    const copied = await this.blocks.copyInto(chosen.flatMap(r => r.copy))
    const moved = new Set((copied?.entries ?? []).map(e => e[0]))

    const drop: string[] = []
    const removed = { blocks: 0, bytes: 0 }
    await this.exclusive(async () => {
      // what became referenced while this ran (a new pin of old content, an upload that reused a block) stays
      const now = this.referencedRoots()
      const late = new Set<string>()
      this.markBatchRoots(late)
      // roots that are new, or were incomplete (their reachable blocks may have grown): complete ones cannot change
      await this.markLive(new Set([...now].filter(r => !roots.has(r) || incomplete.has(r))), late)
      this.markPartial(now, late)
      for (const r of chosen) {
        if (!this.blocks.keysOf(r.name).some(k => !moved.has(k) && (late.has(k) || this.blocks.isClaimed(k)))) drop.push(r.name)
      }
      const forget = [...this.completeRoots.keys()].filter(cid => !now.has(cid))
      for (const cid of this.walks.keys()) if (!now.has(cid)) this.walks.delete(cid)
      for (const cid of this.partial.keys()) if (!now.has(cid)) this.partial.delete(cid)
      if (copied === null && drop.length === 0 && forget.length === 0) return
      for (const name of drop) {
        for (const key of this.blocks.keysOf(name)) {
          if (moved.has(key)) continue
          removed.blocks++
          removed.bytes += this.blocks.lengthOf(key) ?? 0
        }
      }
      // no await between the last claim check above and this: an upload's put cannot slip in and count on a doomed block
      const doomed = drop.flatMap(name => this.blocks.keysOf(name).filter(k => !moved.has(k)))
      this.blocks.doom(doomed)
      try {
        await this.write({ t: 'collect', seg: copied?.name ?? null, blocks: copied?.entries ?? [], drop, forget })
      } finally {
        this.blocks.undoom(doomed)
      }
    })
    await this.blocks.removeSegmentFiles(drop)
    // compact once the journal has doubled since its last snapshot: each rewrite costs the whole state, so it must
    // not run on every collection of a large store
    const journalBytesAfter = await this.exclusive(async () => {
      const size = await this.journal?.size() ?? 0
      if (this.journal === undefined || size < 2 * this.snapshotBytes) return size
      this.snapshotBytes = await this.journal.rewrite(this.snapshot())
      return this.snapshotBytes
    })
    const report: GcReport = {
      blocksRemoved: removed.blocks,
      bytesRemoved: removed.bytes,
      segmentsBefore: before.segments,
      segmentsAfter: this.blocks.segmentCount,
      segmentsDropped: drop.length,
      bytesCopied: (copied?.entries ?? []).reduce((n, e) => n + e[2], 0),
      journalBytesBefore,
      journalBytesAfter,
      ms: Date.now() - started
    }
    this.options.onCollected?.(report)
    return report
  }

  /** Adds to `live` every stored block reachable from `roots`, walking with an explicit stack. */
  private async markLive (roots: Set<string>, live: Set<string>): Promise<void> {
    for (const root of roots) {
      let cid: CID
      try { cid = CID.parse(root) } catch { continue }
      const stack: CID[] = [cid]
      while (stack.length > 0) {
        const c = stack.pop() as CID
        const identity = c.multihash.code === IDENTITY
        if (!identity) {
          const key = blockKey(c)
          if (live.has(key) || !this.blocks.hasKey(key)) continue
          live.add(key)
        }
        if (!hasLinks(c.code)) continue
        const bytes = await this.blocks.get(c)
        if (bytes === undefined) continue
        try { for (const l of blockLinks(c, bytes)) stack.push(l) } catch { /* undecodable: a leaf for this purpose */ }
      }
    }
  }

  /** Batch root blocks stay (tiny; their CAR is the deals' payload). The content they link to lives only while referenced. */
  private markBatchRoots (live: Set<string>): void {
    for (const b of this.batches.values()) {
      try { live.add(blockKey(CID.parse(b.root))) } catch { /* journaled by us: always valid */ }
    }
  }

  /** Adds the blocks uploaded under each incomplete root in `roots` (see `partial`). */
  private markPartial (roots: Set<string>, live: Set<string>): void {
    for (const root of roots) for (const key of this.partial.get(root) ?? []) live.add(key)
  }

  /** The state as the fewest journal records that rebuild it (a compacted journal). */
  private * snapshot (): Generator<JournalRecord> {
    for (const seg of this.blocks.segmentList()) yield { t: 'commit', seg: seg.name, blocks: seg.entries }
    const partialDone = new Set<string>()
    for (const m of this.uploads.values()) {
      for (const upload of m.values()) {
        const keys = partialDone.has(upload.cid) ? undefined : this.partial.get(upload.cid)
        partialDone.add(upload.cid)
        yield keys === undefined || keys.size === 0 ? { t: 'commit', seg: null, blocks: [], upload } : { t: 'commit', seg: null, blocks: [], upload, also: [...keys] }
      }
    }
    for (const [root, keys] of this.partial) {
      if (!partialDone.has(root) && keys.size > 0) yield { t: 'fetch', root, seg: null, blocks: [], also: [...keys] }
    }
    for (const pin of this.pins.values()) yield { t: 'pin', pin }
    for (const pin of this.pinataPins.values()) yield { t: 'pinata-pin', pin }
    for (const [cid, f] of this.fetchFailures) yield { t: 'fetch-failed', cid, ...f }
    for (const batch of this.batches.values()) yield { t: 'batch', batch, seg: null, blocks: [] }
    for (const piece of this.pieces.values()) yield { t: 'batch-piece', piece }
    for (const [cid, dagSize] of this.completeRoots) {
      const at = this.completedAt.get(cid)
      yield at === undefined ? { t: 'complete', cid, dagSize } : { t: 'complete', cid, dagSize, at }
    }
  }

  /** Waits for in-flight journal writes and collection, then closes files. */
  async close (): Promise<void> {
    this.closed = true
    if (this.gcTimer !== undefined) { clearTimeout(this.gcTimer); this.gcTimer = undefined }
    await this.gcChain
    await this.lock
    await this.journal?.close()
    this.journal = undefined
    await this.blocks.close()
  }
}

function dropUndefined<T extends object> (o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

/** Closes a staging segment; on failure nothing staged is kept. */
async function finishStaged (staging: Staging): Promise<StagedSegment> {
  try {
    return await staging.finish()
  } catch (err) {
    await staging.abort()
    throw err
  }
}
